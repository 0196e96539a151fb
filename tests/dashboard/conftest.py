"""A small network taking part in a charter: councils, regions, organisations, themes,
stages, amendments in every state, and comments the public may and may not see."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from charter.accounts import services as accounts
from charter.accounts.models import Council, User
from charter.amendments.models import Amendment, AmendmentEvent, State
from charter.consultation.models import Comment, GuidingQuestion, Theme
from charter.dashboard import queries as dashboard_queries
from charter.drafting import provenance
from charter.drafting.models import Charter, Version
from charter.extensions import db
from charter.process.models import StageEvent
from tests.drafting.test_provenance import ARTICLE_1, SAFE, WELCOME, body, merge_version
from tests.factories import DOCUMENT, make_charter, make_version

JANUARY = datetime(2025, 1, 10)  # stage 1, Drafting
MOVED = datetime(2025, 2, 1)  # to stage 2, Partner consultation
MARCH = datetime(2025, 3, 10)  # stage 2
SECRET_COMMENT = "Words on the unpublished draft"
_numbers = itertools.count(1)


def person(role: str, name: str, *, region="", organisation="", councils=()) -> User:
    user = accounts.create_user(
        f"{name.lower().replace(' ', '.')}-{next(_numbers)}@example.org",
        role,
        display_name=name,
        region=region,
        organisation=organisation,
        councils=list(councils),
    )
    db.session.flush()
    return user


def amendment(
    network: Network,
    author: User,
    council: Council | None,
    state: State,
    *,
    themes=(),
    submitted: bool = True,
    created_at: datetime = MARCH,
) -> Amendment:
    """An amendment in this state, with the events that led there (submitted or not)."""
    made = Amendment(
        charter_id=network.charter.id,
        number=len(network.amendments) + 1,
        base_version_id=network.published.id,
        author_id=author.id,
        council_id=council.id if council else None,
        title=f"Amendment {len(network.amendments) + 1}",
        justification="Because.",
        state=state,
        created_at=created_at,
        themes=list(themes),
    )
    made.events.append(AmendmentEvent(to_state="draft", actor_id=author.id, at=created_at))
    if submitted:
        made.events.append(
            AmendmentEvent(from_state="draft", to_state="submitted", actor_id=author.id)
        )
    if state not in (State.DRAFT, State.SUBMITTED):
        made.events.append(AmendmentEvent(to_state=state.value, actor_id=author.id))
    db.session.add(made)
    db.session.flush()
    network.amendments.append(made)
    return made


def comment(
    network: Network,
    author: User,
    *,
    question: GuidingQuestion | None = None,
    version: Version | None = None,
    on: Amendment | None = None,
    created_at: datetime = MARCH,
    themes=(),
    hidden: bool = False,
    deleted: bool = False,
    body_text: str = "A comment.",
) -> Comment:
    made = Comment(
        charter_id=network.charter.id,
        author_id=author.id,
        question_id=question.id if question else None,
        amendment_id=on.id if on else None,
        section_key=ARTICLE_1 if version else None,
        version_id=version.id if version else None,
        body=body_text,
        created_at=created_at,
        hidden_at=MARCH if hidden else None,
        hidden_reason="Off-topic." if hidden else "",
        deleted_at=MARCH if deleted else None,
        themes=list(themes),
    )
    db.session.add(made)
    db.session.flush()
    return made


@dataclass
class Network:
    charter: Charter
    published: Version
    merged: Version  # version 2, published, made of the merged amendment
    draft: Version  # version 3, not published
    north: Council
    south: Council
    housing: Theme
    health: Theme
    question: GuidingQuestion
    partners: list[User]
    sherpas: list[User]
    secretariat: User
    amendments: list[Amendment] = field(default_factory=list)


@pytest.fixture
def network(app) -> Network:
    """What the public may count, by construction:

    amendments (all written in March, stage 2): North (Salvatore, Europe) one submitted
    (Housing), one rejected, one withdrawn after submitting; South (Olga, Africa) one
    accepted, one merged (Health) into version 2. Never counted: North's draft, South's
    amendment withdrawn while a draft.

    comments: Priya, Pedro and Paula (Europe, City of Lampedusa) answer in March; Amadou
    (Africa, City of Dakar) answers in January (stage 1, Housing); Olga answers in March;
    Priya comments on version 1 (Health). Not counted for the public: Pedro's comment on
    the draft version 3, Paula's hidden and deleted comments, Salvatore's discussion of an
    amendment (nor, for anyone, his discussion of his draft amendment).
    """
    provenance.clear_caches()
    dashboard_queries.clear_cache()
    charter = make_charter("lampedusa", "Charter of Lampedusa")
    charter.stage_position = 2
    db.session.add(StageEvent(charter_id=charter.id, from_position=1, to_position=2, at=MOVED))
    north = accounts.create_council(charter, "North Council")
    south = accounts.create_council(charter, "South Council")
    housing = Theme(charter_id=charter.id, name="Housing")
    health = Theme(charter_id=charter.id, name="Health")
    question = GuidingQuestion(charter_id=charter.id, position=1, text="What matters?")
    db.session.add_all([housing, health, question])
    lampedusa = {"region": "Europe", "organisation": "City of Lampedusa"}
    partners = [
        person("partner", "Priya Partner", **lampedusa),
        person("partner", "Pedro Partner", **lampedusa),
        person("partner", "Paula Partner", **lampedusa),
        person("partner", "Amadou Partner", region="Africa", organisation="City of Dakar"),
    ]
    salvatore = person("sherpa", "Salvatore Sherpa", region="Europe", councils=[north])
    olga = person("sherpa", "Olga Sherpa", region="Africa", councils=[south])
    secretariat = person("secretariat", "Sofia Secretariat")
    db.session.commit()
    published = make_version(charter, DOCUMENT, note="First draft")
    network = Network(
        charter, published, published, published, north, south, housing, health, question,
        partners, [salvatore, olga], secretariat,
    )  # fmt: skip

    amendment(network, salvatore, north, State.SUBMITTED, themes=[housing])
    amendment(network, salvatore, north, State.REJECTED)
    amendment(network, salvatore, north, State.WITHDRAWN)
    draft_amendment = amendment(network, salvatore, north, State.DRAFT, submitted=False)
    amendment(network, olga, south, State.WITHDRAWN, submitted=False)
    amendment(network, olga, south, State.ACCEPTED)
    merged = amendment(network, olga, south, State.MERGED, themes=[health])
    db.session.commit()
    safe = DOCUMENT.replace(WELCOME, SAFE)
    network.merged = merge_version(
        charter, [(merged, ARTICLE_1, body(safe, ARTICLE_1))], safe, secretariat, publish=True
    )
    merged.merged_version_id = network.merged.id
    network.draft = make_version(charter, safe + "\nMore.\n", publish=False, note="Draft")

    priya, pedro, paula, amadou = partners
    for partner in (priya, pedro, paula):
        comment(network, partner, question=question)
    comment(network, amadou, question=question, created_at=JANUARY, themes=[housing])
    comment(network, olga, question=question)
    comment(network, priya, version=published, themes=[health])
    comment(network, pedro, version=network.draft, body_text=SECRET_COMMENT)
    comment(network, paula, version=published, hidden=True)
    comment(network, paula, version=published, deleted=True)
    comment(network, salvatore, on=network.amendments[0])
    comment(network, salvatore, on=draft_amendment)
    db.session.commit()
    return network
