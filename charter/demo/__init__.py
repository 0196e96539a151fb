"""Demo charter: the Charter of Lampedusa for dignified human mobility, in three versions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

SLUG: str = "lampedusa"
TITLE: str = "Charter of Lampedusa for dignified human mobility"
SUMMARY: str = (
    "A charter proposed by the island of Lampedusa and drafted together by the local and "
    "regional governments of the world network, to move from migration management to a "
    "community-based approach to human mobility. It sets out shared principles — dignity, "
    "equity, recognition, participation, solidarity — and the commitments of its signatories."
)

VERSIONS: list[dict[str, Any]] = [
    {
        "file": "v1.md",
        "note": "Draft proposal presented to the Executive Bureau",
        "author": "World Secretariat",
        "published": True,
        "created_at": datetime(2021, 4, 20, 10, 0),
    },
    {
        "file": "v2.md",
        "note": "After the partner consultation #CitiesAreListening of 4 May",
        "author": "World Secretariat",
        "published": True,
        "created_at": datetime(2021, 5, 12, 15, 30),
    },
    {
        "file": "v3.md",
        "note": "After the Policy Council session of 18 May",
        "author": "World Secretariat",
        "published": True,
        "created_at": datetime(2021, 6, 15, 11, 0),
    },
]

GUIDING_QUESTIONS: list[str] = [
    "Which key questions must the Charter address to make sure it is inclusive and represents "
    "the different realities of the network?",
    "How can the different parts of the network contribute to this process with their "
    "experiences and thematic priorities?",
]

COUNCILS: list[tuple[str, str]] = [
    (
        "Right to the City",
        "Policy Council on the Right to the City and Inclusive Territories, which carried "
        "Lampedusa's proposal to the network.",
    ),
    (
        "Opportunities for All",
        "Policy Council on Opportunities for All, Culture and City Diplomacy, working on "
        "inclusive local public services and social cohesion.",
    ),
]

THEMES: list[str] = [
    "Availability",
    "Accessibility",
    "Acceptability",
    "Quality",
    "Housing",
    "Health",
    "Education",
    "Work",
]

_DIR = Path(__file__).parent


def read(filename: str) -> str:
    """Return the Markdown text of a demo version file, e.g. ``read("v1.md")``."""
    if Path(filename).name != filename or filename not in {v["file"] for v in VERSIONS}:
        raise ValueError(f"unknown demo version file: {filename!r}")
    return (_DIR / filename).read_text(encoding="utf-8")


# One demo account per role (demo only: the passwords are printed for a newcomer).
# (e-mail, name, role, organisation, country, region, council names, password)
ACCOUNTS: list[tuple[str, str, str, str, str, str, tuple[str, ...], str]] = [
    (
        "admin@demo.charter.example.org",
        "Ada Admin",
        "admin",
        "Platform operator",
        "",
        "",
        (),
        "demo-admin-lampedusa",
    ),
    (
        "secretariat@demo.charter.example.org",
        "Sofia Secretariat",
        "secretariat",
        "World Secretariat",
        "Spain",
        "Europe",
        (),
        "demo-secretariat-lampedusa",
    ),
    (
        "sherpa.city@demo.charter.example.org",
        "Salvatore Sherpa",
        "sherpa",
        "City of Lampedusa",
        "Italy",
        "Europe",
        ("Right to the City",),
        "demo-sherpa-city-lampedusa",
    ),
    (
        "sherpa.opportunities@demo.charter.example.org",
        "Amina Sherpa",
        "sherpa",
        "City of Tangier",
        "Morocco",
        "Africa",
        ("Opportunities for All",),
        "demo-sherpa-opportunities-lampedusa",
    ),
    (
        "advisor@demo.charter.example.org",
        "Lucas Advisor",
        "advisor",
        "City of Montevideo",
        "Uruguay",
        "Latin America",
        ("Right to the City", "Opportunities for All"),
        "demo-advisor-lampedusa",
    ),
    (
        "partner@demo.charter.example.org",
        "Priya Partner",
        "partner",
        "Refugee-led network",
        "India",
        "Asia-Pacific",
        (),
        "demo-partner-lampedusa",
    ),
]

# The demo charter sits in the Policy Council session, reached through these recorded moves:
# (date, note). The current stage opened with the last one and has no closing date.
STAGE_POSITION = 3
STAGE_MOVES: list[tuple[datetime, str]] = [
    (
        datetime(2021, 4, 27, 9, 0),
        "Draft proposal sent to the partners for the #CitiesAreListening consultation of 4 May.",
    ),
    (
        datetime(2021, 5, 12, 16, 0),
        "Version 2 goes to the Policy Council session of 18 May: sherpas and advisors may "
        "propose and co-sign amendments.",
    ),
]
# When each stage before the current one was open: position -> (opens, closes).
STAGE_DATES: dict[int, tuple[datetime | None, datetime | None]] = {
    1: (datetime(2021, 4, 20, 10, 0), datetime(2021, 4, 27, 9, 0)),
    2: (datetime(2021, 4, 27, 9, 0), datetime(2021, 5, 12, 16, 0)),
    3: (datetime(2021, 5, 12, 16, 0), None),
}
# Each merged amendment makes a version of its own, in the order of AMENDMENTS: the first
# one is published (version 4: the public reads its provenance), the second is the newer
# draft the councils review (version 5).
MERGES: list[tuple[str, bool]] = [
    ("Amendment on registration merged after the Policy Council session.", True),
    ("Amendment on deportation merged; for review by the councils.", False),
]

# Sample amendments on the last version, by the demo council members, in every state a
# reader meets. Each change replaces one phrase of a section of v3.md ("old" → "new").
# state: "draft", "submitted", "accepted", "rejected", "withdrawn" or "merged" (accepted,
# then merged: see MERGES); "reason" is the secretariat's (accepted, rejected, merged) or
# the author's (withdrawn). The first one, still submitted, touches the same words as the
# last merged one: it conflicts with the newer draft.
AMENDMENTS: list[dict[str, Any]] = [
    {
        "author": "sherpa.city@demo.charter.example.org",
        "section": "article-1-dignity",
        "old": "to detect, report or detain people solely on the basis of their migration status",
        "new": (
            "to detect, report or detain people on the basis of their migration status, and "
            "no personal data collected to provide a service shall be shared with immigration "
            "enforcement authorities"
        ),
        "justification": (
            "In several cities of the network, people stopped taking their children to the "
            "doctor once they learned that registration data reached the police. A firewall "
            "between services and immigration enforcement is what makes the promise of "
            'Article 1 credible; "solely" left the door open to mixed motives.'
        ),
        "themes": ("Accessibility", "Health"),
        "questions": (0,),
        "state": "submitted",
        "cosigners": (
            "sherpa.opportunities@demo.charter.example.org",
            "advisor@demo.charter.example.org",
        ),
    },
    {
        "author": "sherpa.opportunities@demo.charter.example.org",
        "section": "article-7-local-public-services",
        "old": "enrolment of every child in school, whatever their status, within weeks of arrival",
        "new": (
            "enrolment of every child in school, whatever their status, within two weeks of arrival"
        ),
        "justification": (
            '"Within weeks" cannot be measured. Tangier, Montevideo and Lampedusa already '
            "enrol children within two weeks; a precise term lets signatories report on it in "
            "their action plans (Article 9)."
        ),
        "themes": ("Education", "Quality"),
        "questions": (),
        "state": "accepted",
        "cosigners": ("advisor@demo.charter.example.org",),
        "reason": (
            "Accepted: the term matches the practice reported by the cities consulted and "
            "can be monitored in the yearly report."
        ),
    },
    {
        "author": "sherpa.city@demo.charter.example.org",
        "section": "article-5-solidarity",
        "old": "carry a disproportionate share of first reception",
        "new": "carry a disproportionate share of search and rescue and of first reception",
        "justification": (
            "Rescue at sea is the first thing the people of Lampedusa do, before any "
            "reception; the Charter should name it."
        ),
        "themes": ("Availability",),
        "questions": (),
        "state": "draft",
        "cosigners": (),
    },
    {
        "author": "advisor@demo.charter.example.org",
        "section": "article-4-participation",
        "old": "with childcare where needed",
        "new": "with childcare and interpretation where needed",
        "justification": (
            "People who do not speak the local language cannot take part in a meeting "
            "without interpretation."
        ),
        "themes": ("Accessibility",),
        "questions": (1,),
        "state": "withdrawn",
        "cosigners": (),
        "reason": "The list above already promises interpretation at public meetings.",
    },
    {
        "author": "sherpa.opportunities@demo.charter.example.org",
        "section": "article-9-commitments-of-the-network",
        "old": "into a local action plan within one year of signing",
        "new": "into a local action plan within six months of signing",
        "justification": (
            "A year is long for the people who wait; six months keeps the momentum of the "
            "signature."
        ),
        "themes": ("Quality",),
        "questions": (),
        "state": "rejected",
        "cosigners": (),
        "reason": (
            "Rejected: most local governments need a council decision and a budget line "
            "for an action plan, which takes more than six months. The one-year term stays."
        ),
    },
    {
        "author": "sherpa.city@demo.charter.example.org",
        "section": "article-3-recognition",
        "old": "register every resident in the municipal register, whatever their status,",
        "new": (
            "register every resident in the municipal register within one month of arrival, "
            "whatever their status,"
        ),
        "justification": (
            "Registration opens every other right: a term makes it a commitment rather than "
            "an intention."
        ),
        "themes": ("Availability", "Housing"),
        "questions": (),
        "state": "merged",
        "cosigners": ("sherpa.opportunities@demo.charter.example.org",),
        "reason": "Accepted: one month matches the practice of most cities consulted.",
    },
    {
        "author": "advisor@demo.charter.example.org",
        "section": "article-1-dignity",
        "old": "to detect, report or detain people solely on the basis of their migration status",
        "new": (
            "to detect, report, detain or deport people solely on the basis of their migration "
            "status or that of their relatives"
        ),
        "justification": (
            "Deportation is the end of the chain this paragraph wants to break, and families "
            "are reached through their members: Montevideo's services saw parents avoid "
            "clinics for fear of exposing a relative."
        ),
        "themes": ("Accessibility", "Health"),
        "questions": (0,),
        "state": "merged",
        "cosigners": ("sherpa.city@demo.charter.example.org",),
        "reason": "Accepted: it closes a gap the councils raised in the session.",
    },
]

# The consultation, on the published text: answers to the guiding questions (by index),
# comments and annotations on sections, a reply, and what the secretariat moderated.
# Each: author e-mail, when, the body, themes; answers name their question, comments their
# section (and a quoted passage for an annotation); "reply_to" is the index of an earlier
# entry; "hidden" is the secretariat's reason, "flag" a participant's.
CONSULTATION: list[dict[str, Any]] = [
    {
        "author": "partner@demo.charter.example.org",
        "at": datetime(2021, 5, 3, 9, 30),
        "question": 0,
        "themes": ["Housing", "Accessibility"],
        "body": (
            "The Charter must speak of **informal settlements**: in our region most newcomers "
            "first live outside any register, and services are planned without them."
        ),
    },
    {
        "author": "sherpa.opportunities@demo.charter.example.org",
        "at": datetime(2021, 5, 3, 14, 10),
        "question": 0,
        "themes": ["Work", "Quality"],
        "body": (
            "Intermediary cities and small towns receive people too, often with no staff for "
            "it. The Charter should say what the network offers them, not only the capitals."
        ),
    },
    {
        "author": "advisor@demo.charter.example.org",
        "at": datetime(2021, 5, 4, 10, 0),
        "reply_to": 0,
        "body": "Agreed — and the registers should count people in informal housing.",
    },
    {
        "author": "sherpa.city@demo.charter.example.org",
        "at": datetime(2021, 5, 4, 11, 45),
        "question": 1,
        "themes": ["Education"],
        "body": (
            "Each Policy Council can collect two or three practices from its members before "
            "the session, so that amendments rest on what cities already do."
        ),
    },
    {
        "author": "partner@demo.charter.example.org",
        "at": datetime(2021, 5, 5, 16, 20),
        "section": "article-2-equity",
        "quote": "Equity is achieved by expanding capacity, not by dividing scarcity",
        "themes": ["Availability"],
        "body": "This sentence answers the first fear we hear in council meetings. Keep it.",
    },
    {
        "author": "sherpa.opportunities@demo.charter.example.org",
        "at": datetime(2021, 5, 6, 9, 5),
        "section": "article-3-recognition",
        "themes": ["Work"],
        "body": (
            "Recognition of diplomas needs a partner at national level: could the article "
            "name the commitment to advocate for it?"
        ),
    },
    {
        "author": "partner@demo.charter.example.org",
        "at": datetime(2021, 5, 6, 18, 40),
        "section": "article-3-recognition",
        "body": "Nobody reads this anyway. Total waste of money!!!",
        "flag": ("advisor@demo.charter.example.org", "Off-topic and dismissive."),
    },
    {
        "author": "advisor@demo.charter.example.org",
        "at": datetime(2021, 5, 7, 8, 15),
        "section": "article-3-recognition",
        "body": "Buy cheap watches at example.com",
        "hidden": "Advertising: not part of the consultation.",
    },
]
