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

# The demo charter sits in the Policy Council session.
STAGE_POSITION = 3
