"""A charter with something of every kind, each carrying a word found nowhere else.

Version 1 is published, version 2 is a draft (the head). Each secret word says who may
find it: WORDS maps it to the viewers who may.
"""

from dataclasses import dataclass, field

import pytest

from charter.accounts.models import Council, User
from charter.amendments.models import Amendment, AmendmentOperation, State
from charter.consultation.models import Comment, GuidingQuestion, Theme
from charter.drafting.models import Charter, Version, utcnow
from charter.extensions import db
from tests.factories import make_charter, make_council, make_user, make_version

PUBLISHED = """The cities of the network adopt this charter.

## Article 1 — Welcome

Every person is welcome in the city, guided by the lighthouse of hospitality.

## Article 2 — Services

Public services are open to all residents.
"""
DRAFT = (
    PUBLISHED
    + """
## Article 3 — Mobility

The zeppelin clause is still being drafted.
"""
)

EVERYONE = {"public", "partner", "member", "outsider", "secretariat", "author"}
MEMBERS = {"member", "secretariat", "author"}
# Secret word -> who may find it.
WORDS = {
    "lighthouse": EVERYONE,  # a section of the published version (and of the draft)
    "zeppelin": MEMBERS,  # a section only the draft has
    "narwhal": MEMBERS,  # a submitted amendment
    "quokka": {"author"},  # a draft amendment: its author's alone
    "axolotl": EVERYONE,  # a comment on the published version
    "tapir": MEMBERS,  # a comment on the draft version
    "ocelot": EVERYONE,  # an answer to a guiding question
    "gecko": MEMBERS,  # a comment on the submitted amendment
    "dugong": {"author"},  # a comment on the draft amendment
    "pangolin": set(),  # a hidden comment
    "okapi": set(),  # a deleted comment
}


@dataclass
class World:
    charter: Charter
    published: Version
    draft: Version
    council: Council
    theme: Theme
    viewers: dict[str, User | None] = field(default_factory=dict)
    amendments: dict[str, Amendment] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)


def add_amendment(world: World, word: str, state: State, author: User, **extra) -> Amendment:
    amendment = Amendment(
        charter_id=world.charter.id,
        number=len(world.amendments) + 1,
        base_version_id=world.draft.id,
        author_id=author.id,
        council_id=extra.pop("council_id", world.council.id),
        title=extra.pop("title", f"Amendment about {word}"),
        justification=extra.pop("justification", "The network asked for it."),
        state=state,
        section_keys="article-2-services",
        operations=[
            AmendmentOperation(
                position=0,
                kind="modify",
                section_key="article-2-services",
                text=f"Public services, like the {word}, are open to all.",
            )
        ],
        **extra,
    )
    db.session.add(amendment)
    db.session.flush()
    world.amendments[word] = amendment
    return amendment


def add_comment(world: World, word: str, author: User, **target) -> Comment:
    comment = Comment(
        charter_id=world.charter.id,
        author_id=author.id,
        body=target.pop("body", f"I think the *{word}* matters."),
        **target,
    )
    db.session.add(comment)
    db.session.flush()
    world.comments[word] = comment
    return comment


@pytest.fixture
def world(app) -> World:
    charter = make_charter("search", "Charter to search")
    published = make_version(charter, PUBLISHED)
    draft = make_version(charter, DRAFT, publish=False)
    charter.stage_position = 3
    council = make_council(charter, "Right to the City")
    other = make_council(make_charter("elsewhere", "Another charter"), "Elsewhere")
    theme = Theme(charter_id=charter.id, name="Housing")
    db.session.add(theme)
    db.session.commit()
    world = World(charter, published, draft, council, theme)
    world.viewers = {
        "public": None,
        "partner": make_user("partner", name="Priya"),
        "member": make_user("sherpa", name="Salvatore", councils=[council]),
        "outsider": make_user("sherpa", name="Olga", councils=[other]),
        "secretariat": make_user("secretariat", name="Sofia"),
        "author": make_user("advisor", name="Amara", councils=[council]),
    }
    author, partner = world.viewers["author"], world.viewers["partner"]
    submitted = add_amendment(world, "narwhal", State.SUBMITTED, author)
    drafted = add_amendment(world, "quokka", State.DRAFT, author, justification="quokka")
    question = GuidingQuestion(charter_id=charter.id, position=1, text="What matters?")
    db.session.add(question)
    db.session.flush()
    on_published = {"version_id": published.id, "section_key": "article-1-welcome"}
    add_comment(world, "axolotl", partner, **on_published)
    add_comment(world, "tapir", author, version_id=draft.id, section_key="article-3-mobility")
    add_comment(world, "ocelot", partner, question_id=question.id)
    add_comment(world, "gecko", partner, amendment_id=submitted.id)
    add_comment(world, "dugong", author, amendment_id=drafted.id)
    add_comment(world, "pangolin", partner, hidden_at=utcnow(), **on_published)
    add_comment(world, "okapi", partner, deleted_at=utcnow(), **on_published)
    db.session.commit()
    return world
