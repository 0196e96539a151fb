"""A charter in its Policy Council session, with members of a council, ready for amendments."""

from dataclasses import dataclass

import pytest

from charter.accounts.models import User
from charter.drafting.models import Charter, Version
from charter.extensions import db
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version


@dataclass
class World:
    charter: Charter
    version: Version
    author: User
    cosigner: User
    outsider: User  # a sherpa of another charter's council
    partner: User
    secretariat: User


@pytest.fixture
def world(app) -> World:
    charter = make_charter("amend", "Charter to amend")
    version = make_version(charter, DOCUMENT)
    charter.stage_position = 3  # Policy Council session: proposing is open
    council = make_council(charter, "Right to the City")
    other = make_council(make_charter("other"), "Elsewhere")
    db.session.commit()
    return World(
        charter=charter,
        version=version,
        author=make_user("sherpa", name="Salvatore", councils=[council]),
        cosigner=make_user("advisor", name="Lucas", councils=[council]),
        outsider=make_user("sherpa", name="Olga", councils=[other]),
        partner=make_user("partner", name="Priya"),
        secretariat=make_user("secretariat", name="Sofia"),
    )


def propose_form(world: World, text: str, **extra) -> dict:
    """The form a sherpa sends to change Article 1."""
    return {
        "kind": "modify",
        "section": "article-1-dignity",
        "base": world.version.number,
        "heading": "Article 1 — Dignity",
        "text": text,
        "justification": "Dignity does not depend on papers.",
        "send": "Submit",
        **extra,
    }
