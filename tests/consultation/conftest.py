"""A charter in partner consultation, with a partner, a sherpa, the secretariat."""

from dataclasses import dataclass

import pytest

from charter.accounts.models import User
from charter.drafting.models import Charter, Version
from charter.extensions import db
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version


@dataclass
class Consultation:
    charter: Charter
    version: Version
    partner: User
    sherpa: User
    secretariat: User


@pytest.fixture
def consultation(app) -> Consultation:
    charter = make_charter("consult", "Charter under consultation")
    version = make_version(charter, DOCUMENT)
    charter.stage_position = 2  # partner consultation: commenting and answering are open
    council = make_council(charter, "Right to the City")
    db.session.commit()
    return Consultation(
        charter=charter,
        version=version,
        partner=make_user("partner", name="Priya"),
        sherpa=make_user("sherpa", name="Salvatore", councils=[council]),
        secretariat=make_user("secretariat", name="Sofia"),
    )
