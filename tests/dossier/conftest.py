"""A charter with four versions and amendments in every state, for the session dossier.

v1 (published) ── #1 accepted, #2 rejected are made on it
v2 (published) ── #3 submitted and co-signed, #4 accepted, #5 a draft, #6 rejected (two sections)
v3 (published) ── the merge of #4 and #1
v4 (draft)     ── a direct edit of Article 1, and a new Article 3
"""

from dataclasses import dataclass

import pytest

from charter.amendments import services as amendments
from charter.amendments.models import Amendment
from charter.drafting import merge, queries
from charter.extensions import db
from charter.text.rebase import Operation
from tests.amendments.conftest import World, world  # noqa: F401 (world: a fixture)
from tests.factories import make_version

V2 = """The cities of the network adopt this charter.

## Article 1 — Dignity

Every person is welcome in the city and the region.

## Article 2 — Equity

Public services are open to all residents.
"""

V4 = """The cities and regions of the network adopt this charter.

## Article 1 — Dignity

Every person is welcome in every city of the network.

## Article 2 — Equity

Public services are open to every resident, whatever their status.

## Article 3 — Participation

Residents take part in the decisions of their city.
"""


@dataclass
class History:
    world: World
    amendments: dict[int, Amendment]


def _propose(scene: World, author, base: int, changes: dict[str, tuple[str, str]], why: str):
    """Submit an amendment replacing words (old, new) in sections of the head, version base."""
    bodies = {s.key: s.body for s in queries.sections_of(queries.head_version(scene.charter))}
    operations = [
        Operation("modify", key, text=bodies[key].replace(old, new))
        for key, (old, new) in changes.items()
    ]
    return amendments.propose(
        author, scene.charter, base, operations, justification=why, submit=True
    )


@pytest.fixture
def history(world: World) -> History:  # noqa: F811 (the fixture above)
    made = {}
    made[1] = _propose(
        world,
        world.author,
        1,
        {"preamble": ("cities of", "cities and regions of")},
        "Regions receive people too.",
    )
    made[2] = _propose(
        world,
        world.author,
        1,
        {"article-2-equity": ("all residents", "all people")},
        "An early idea.",
    )
    amendments.review(world.secretariat, made[1], True, "Agreed by the councils.")
    amendments.review(world.secretariat, made[2], False, "Superseded by later drafts.")
    db.session.commit()
    make_version(world.charter, V2)
    made[3] = _propose(
        world,
        world.author,
        2,
        {"article-1-dignity": ("welcome in", "welcome and safe in")},
        "Safety is part of welcome.",
    )
    amendments.endorse(world.cosigner, made[3])
    made[4] = _propose(
        world,
        world.cosigner,
        2,
        {"article-2-equity": ("all residents.", "every resident, whatever their status.")},
        "Status must not matter.",
    )
    amendments.review(world.secretariat, made[4], True, "It closes a gap.")
    made[5] = amendments.propose(
        world.author,
        world.charter,
        2,
        [Operation("modify", "article-1-dignity", text="SECRET DRAFT of the author.")],
        justification="Not ready.",
    )
    made[6] = _propose(
        world,
        world.author,
        2,
        {
            "article-2-equity": ("are open", "are free and open"),
            "preamble": ("this charter.", "this charter, free of charge."),
        },
        "Services should be free.",
    )
    amendments.review(
        world.secretariat, made[6], False, "Free services are for each city to decide."
    )
    db.session.commit()
    version = merge.merge_amendments(
        world.secretariat, world.charter, [4, 1], resolutions={}, note="", expected_head=2
    )
    merge.publish(world.secretariat, version)
    db.session.commit()
    make_version(world.charter, V4, publish=False, note="A direct edit")
    return History(world, made)
