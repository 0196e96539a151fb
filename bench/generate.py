"""Seeded generator of large charters and scattered word-level edits, for benchmarks.

python bench/generate.py --seed 1 > big.md             # a ~15,000-word, 60-section charter
python bench/generate.py --seed 1 --edits 30 > big2.md  # the same, with 30 edits applied
"""

from __future__ import annotations

import argparse
import random
import sys
import time

SUBJECTS = [
    "Local governments",
    "Signatories",
    "Cities",
    "Regional authorities",
    "National associations of local governments",
    "Municipal services",
    "Host communities",
    "Civil society organisations",
    "Neighbourhood councils",
    "Public employers",
    "Partner organisations",
    "Metropolitan areas",
    "Intermediary cities",
    "Island territories",
    "Border municipalities",
    "Local public administrations",
    "Mayors and governors",
    "Regional networks",
]
MODALS = [
    "shall",
    "will",
    "should",
    "may",
    "must",
    "commit to",
    "undertake to",
    "seek to",
    "are invited to",
    "shall progressively",
    "are encouraged to",
]
VERBS = [
    "guarantee",
    "promote",
    "strengthen",
    "support",
    "protect",
    "monitor",
    "coordinate",
    "expand",
    "evaluate",
    "simplify",
    "facilitate",
    "recognise",
    "improve",
    "finance",
    "publish",
    "review",
    "design",
    "deliver",
    "share",
    "document",
    "extend",
    "defend",
    "plan",
    "fund",
]
ADJECTIVES = [
    "inclusive",
    "accessible",
    "affordable",
    "public",
    "local",
    "regional",
    "universal",
    "participatory",
    "transparent",
    "sustainable",
    "adequate",
    "fair",
    "safe",
    "shared",
    "timely",
    "multilingual",
    "essential",
    "community-based",
    "free",
    "decent",
    "independent",
    "basic",
]
NOUNS = [
    "access",
    "housing",
    "health care",
    "education",
    "services",
    "public space",
    "participation",
    "information",
    "residence",
    "documents",
    "mediation",
    "reception",
    "training",
    "employment",
    "transport",
    "data",
    "resources",
    "procedures",
    "rights",
    "cooperation",
    "budgets",
    "action plans",
    "assistance",
    "shelter",
    "protection",
    "language courses",
    "registration",
    "legal advice",
    "childcare",
    "social protection",
]
PEOPLE = [
    "residents",
    "newcomers",
    "migrants",
    "refugees",
    "displaced people",
    "children",
    "young people",
    "older people",
    "women",
    "families",
    "workers",
    "asylum seekers",
    "host communities",
    "persons with disabilities",
    "unaccompanied minors",
    "seasonal workers",
]
PLACES = [
    "in every neighbourhood",
    "at the local level",
    "across the territory",
    "in informal settlements",
    "in peripheral districts",
    "in rural areas",
    "in city centres",
    "in cities of arrival and transit",
    "along migration routes",
    "in public buildings",
]
CONNECTORS = [
    "To that end",
    "In particular",
    "Where possible",
    "In addition",
    "At the same time",
    "Where mandates allow",
    "In all cases",
    "As a priority",
    "Without delay",
    "Within available resources",
    "In cooperation with national authorities",
    "Moreover",
]
TOPICS = [
    "Dignity",
    "Equity",
    "Recognition",
    "Participation",
    "Solidarity",
    "Community",
    "Resilience",
    "Housing",
    "Health",
    "Education",
    "Work",
    "Public space",
    "Local identity",
    "Reception",
    "Language access",
    "Legal assistance",
    "Social protection",
    "Culture",
    "Memory",
    "Narrative",
    "Data and evidence",
    "Finance",
    "Transport",
    "Childhood",
    "Youth",
    "Gender equality",
    "Older people",
    "Disability",
    "Climate and displacement",
    "Rural territories",
    "Island territories",
    "Border cities",
    "Transit cities",
    "Cities of arrival",
    "Diaspora",
    "Anti-discrimination",
    "Public information",
    "Training of staff",
    "Mediation",
    "Emergency response",
    "Recovery",
    "Partnerships",
    "Civil society",
    "Volunteering",
    "Sport",
    "Libraries",
    "Digital inclusion",
    "Safety",
    "Detention",
    "Family reunification",
    "Labour rights",
    "Entrepreneurship",
    "Qualifications",
    "Procurement",
    "Monitoring",
    "Review",
    "Commitments",
    "Cooperation",
    "Advocacy",
    "Accountability",
    "Transparency",
    "Peace",
    "Diversity",
    "Citizenship",
    "Residence",
    "Registration",
    "Water and sanitation",
]
PAST = [
    "decided",
    "adopted",
    "designed",
    "closed",
    "reduced",
    "implemented",
    "evaluated",
    "approved",
    "financed",
    "withdrawn",
]


def _pick(rng: random.Random, words: list[str]) -> str:
    """Return one random element of a word list."""
    return words[rng.randrange(len(words))]


def _clause(rng: random.Random) -> str:
    """Return a verb phrase such as 'guarantee accessible housing for refugees'."""
    obj = f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    tail = rng.random()
    if tail < 0.35:
        return f"{_pick(rng, VERBS)} {obj} for {_pick(rng, PEOPLE)}"
    if tail < 0.6:
        return f"{_pick(rng, VERBS)} {obj} {_pick(rng, PLACES)}"
    if tail < 0.8:
        return f"{_pick(rng, VERBS)} {obj} and {_pick(rng, NOUNS)} regardless of status"
    return f"{_pick(rng, VERBS)} the {_pick(rng, NOUNS)} of {_pick(rng, PEOPLE)}"


def _sentence(rng: random.Random) -> str:
    """Return one prose-shaped policy sentence."""
    kind = rng.random()
    if kind < 0.4:
        text = f"{_pick(rng, SUBJECTS)} {_pick(rng, MODALS)} {_clause(rng)}"
    elif kind < 0.65:
        text = (
            f"{_pick(rng, CONNECTORS)}, {_pick(rng, SUBJECTS).lower()} {_pick(rng, MODALS)} "
            f"{_clause(rng)} and {_clause(rng)}"
        )
    elif kind < 0.8:
        noun = _pick(rng, NOUNS)
        text = (
            f"Progress on {noun} is a condition for {_pick(rng, ADJECTIVES)} "
            f"{_pick(rng, NOUNS)} and for the {_pick(rng, NOUNS)} of {_pick(rng, PEOPLE)}"
        )
    elif kind < 0.9:
        text = (
            f"No {_pick(rng, NOUNS)} shall be {_pick(rng, PAST)} without the participation "
            f"of {_pick(rng, PEOPLE)} and of {_pick(rng, SUBJECTS).lower()}"
        )
    else:
        text = (
            f"When {_pick(rng, PEOPLE)} arrive {_pick(rng, PLACES)}, "
            f"{_pick(rng, SUBJECTS).lower()} {_pick(rng, MODALS)} {_clause(rng)} within "
            f"{rng.randint(2, 24)} months"
        )
    return text + "."


def _bullets(rng: random.Random) -> str:
    """Return a lead-in sentence and a short bullet list."""
    lead = f"{_pick(rng, SUBJECTS)} {_pick(rng, MODALS)}:"
    items = [f"- {_clause(rng)};" for _ in range(rng.randint(3, 5))]
    items[-1] = items[-1][:-1] + "."
    return "\n".join([lead, "", *items])


def _block(rng: random.Random) -> str:
    """Return one paragraph (or, sometimes, a bullet list)."""
    if rng.random() < 0.15:
        return _bullets(rng)
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))


def _titles(rng: random.Random, count: int) -> list[str]:
    """Return count distinct section titles."""
    titles: list[str] = []
    seen: set[str] = set()
    while len(titles) < count:
        title = _pick(rng, TOPICS)
        if title in seen:
            other = _pick(rng, TOPICS)
            title = f"{title} and {other[0].lower()}{other[1:]}"
        if title not in seen:
            seen.add(title)
            titles.append(title)
    return titles


def _count(text: str) -> int:
    """Return the number of whitespace-separated words of a text."""
    return len(text.split())


def make_document(seed: int = 1, sections: int = 60, words: int = 15_000) -> str:
    """Return a deterministic Markdown charter of about `words` words and `sections` articles."""
    rng = random.Random(seed)
    headings = [f"## Article {n} — {t}" for n, t in enumerate(_titles(rng, sections), start=1)]
    preamble = " ".join(_sentence(rng) for _ in range(4))
    total = _count(preamble) + sum(_count(h) for h in headings)
    weights = [rng.uniform(0.5, 1.5) for _ in headings]
    budget = max(words - total, 0)
    parts = [preamble]
    target = total
    for heading, weight in zip(headings, weights, strict=True):
        target += budget * weight / sum(weights)
        total += _count(heading)
        target += _count(heading)
        blocks = [heading]
        while total < target - 8 or len(blocks) == 1:
            block = _block(rng)
            blocks.append(block)
            total += _count(block)
        parts.append("\n\n".join(blocks))
    return "\n\n".join(parts) + "\n"


def _body_lines(lines: list[str]) -> list[list[int]]:
    """Group the indices of editable (non-blank, non-heading) lines by section."""
    groups: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if line.startswith("#"):
            groups.append([])
        elif len(line.split()) >= 6:
            groups[-1].append(i)
    return [g for g in groups if g]


def _edit_line(rng: random.Random, line: str) -> str:
    """Apply one word-level edit (replace, insert or delete) to a body line."""
    tokens = line.split(" ")
    first = 1 if tokens[0] == "-" else 0
    vocabulary = ADJECTIVES + VERBS + [w for n in NOUNS for w in n.split()]
    op = rng.choice(("replace", "insert", "delete"))
    if op == "replace":
        i = rng.randrange(first, len(tokens))
        core = tokens[i].rstrip(".,;:")
        new = _pick(rng, [w for w in vocabulary if w != core.lower()])
        if core[:1].isupper():
            new = new[0].upper() + new[1:]
        tokens[i] = new + tokens[i][len(core) :]
    elif op == "insert":
        i = rng.randrange(first + 1, len(tokens) + 1)
        tokens[i:i] = [_pick(rng, vocabulary) for _ in range(rng.randint(1, 5))]
    else:
        n = rng.randint(1, 3)
        i = rng.randrange(first + 1, len(tokens) - n + 1)
        if tokens[i - 1][-1:] in ".:;" or any(t[-1:] in ".:;" for t in tokens[i : i + n]):
            # keep sentence boundaries: delete plain words only, else replace instead
            n = 0
            tokens[i] = _pick(rng, vocabulary) + tokens[i][len(tokens[i].rstrip(".,;:")) :]
        del tokens[i : i + n]
    return " ".join(tokens)


def edit_document(document: str, edits: int = 30, seed: int = 2) -> str:
    """Return the document with `edits` scattered word-level edits, spread across sections."""
    rng = random.Random(seed)
    lines = document.split("\n")
    groups = _body_lines(lines)
    order: list[int] = []
    while len(order) < edits:
        order.extend(rng.sample(range(len(groups)), len(groups)))
    used: set[int] = set()
    for g in order[:edits]:
        free = [i for i in groups[g] if i not in used] or groups[g]
        i = _pick(rng, free)
        used.add(i)
        lines[i] = _edit_line(rng, lines[i])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print a generated document to stdout and its word count and timing to stderr."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sections", type=int, default=60)
    parser.add_argument("--words", type=int, default=15_000)
    parser.add_argument("--edits", type=int, default=0, help="apply this many edits")
    parser.add_argument("--edit-seed", type=int, default=2)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    document = make_document(args.seed, args.sections, args.words)
    if args.edits:
        document = edit_document(document, args.edits, args.edit_seed)
    elapsed = time.perf_counter() - start
    sys.stdout.write(document)
    print(f"{_count(document)} words, {elapsed * 1000:.1f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
