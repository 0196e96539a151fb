"""The amendments world fixture, shared with the drafting tests."""

from tests.amendments.conftest import world  # noqa: F401 (a fixture)
