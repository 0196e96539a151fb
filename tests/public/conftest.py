"""The public's pages share the consultation's charter (a partner, a sherpa, the secretariat)."""

from tests.consultation.conftest import consultation  # noqa: F401
