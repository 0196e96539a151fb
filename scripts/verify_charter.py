#!/usr/bin/env python3
"""Verify a charter version downloaded as JSON: its texts, its hash, and its chain.

    python3 verify_charter.py lampedusa-v3.json [lampedusa-v2.json ...]

Exit code 0 when every file verifies, 1 otherwise (each problem is printed). Standard
library only: copy this file anywhere and run it with Python 3.8 or later.

How the hashes are made (the recipe of charter/text/hashing.py):

1. A section's ``text_hash`` is the SHA-256 (hex) of its ``body`` encoded as UTF-8,
   exactly as given: blank lines and line endings included.

2. A version's ``digest`` is the SHA-256 (hex) of the UTF-8 bytes of this JSON value::

       {"meta": {"author": AUTHOR, "charter": SLUG, "created_at": CREATED_AT,
                 "note": NOTE, "number": NUMBER},
        "parent": PARENT_HASH,
        "sections": [[KEY, LEVEL, HEADING, TEXT_HASH], ...]}

   with the values of the download (``charter.slug``, ``version.number``, ``.note``,
   ``.author``, ``.created_at`` -- UTC, to the second, no offset, exactly as written --
   and ``version.parent_hash``, null for version 1), the sections in document order,
   written compactly as Python's ``json.dumps(value, sort_keys=True, separators=(",", ":"),
   ensure_ascii=False)`` does: keys sorted, no spaces, non-ASCII characters as themselves.

3. The versions form a chain like git commits: version N's parent is version N-1 and its
   ``parent_hash`` is that version's digest, so the digest of the newest version commits
   to the whole history before it. ``chain`` lists the older versions you could see when
   downloading (number, digest, parent_hash), oldest first; where two listed versions are
   consecutive the link between them is checked. A gap in the numbers is unpublished
   drafts: the link across it cannot be checked from the file alone. Give several files
   to also check that they agree about every version they both name.
"""

from __future__ import annotations

import hashlib
import json
import sys


def text_hash(text: str) -> str:
    """SHA-256 hex digest of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_hash(parent_hash, sections, meta) -> str:
    """SHA-256 hex digest of the canonical JSON of a version: parent, sections, meta."""
    payload = {"parent": parent_hash, "sections": [list(s) for s in sections], "meta": meta}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check(record: dict, known: dict) -> list:
    """Problems of one downloaded version; known maps (charter, number) to digests seen."""
    problems = []
    slug = record["charter"]["slug"]
    version = record["version"]
    number = version["number"]
    label = f"{slug} version {number}"
    refs = []
    for section in record["sections"]:
        if text_hash(section["body"]) != section["text_hash"]:
            problems.append(
                f"{label}: the text of section {section['key']!r} does not match its hash"
            )
        refs.append((section["key"], section["level"], section["heading"], section["text_hash"]))
    meta = {
        "charter": slug,
        "number": number,
        "note": version["note"],
        "author": version["author"],
        "created_at": version["created_at"],
    }
    if version_hash(version["parent_hash"], refs, meta) != version["digest"]:
        problems.append(f"{label}: its digest does not match its content")

    links = [
        *record["chain"],
        {"number": number, "digest": version["digest"], "parent_hash": version["parent_hash"]},
    ]
    previous = None
    for link in links:
        if previous is not None and link["number"] <= previous["number"]:
            problems.append(f"{label}: the chain is not in order at version {link['number']}")
        if link["number"] == 1 and link["parent_hash"] is not None:
            problems.append(f"{label}: version 1 cannot have a parent")
        if link["number"] > 1 and not link["parent_hash"]:
            problems.append(f"{label}: version {link['number']} has no parent hash")
        if (
            previous is not None
            and link["number"] == previous["number"] + 1
            and link["parent_hash"] != previous["digest"]
        ):
            problems.append(
                f"{label}: version {link['number']} does not follow version {previous['number']}"
            )
        seen = known.setdefault((slug, link["number"]), link["digest"])
        if seen != link["digest"]:
            problems.append(
                f"{label}: the files disagree about the digest of version {link['number']}"
            )
        previous = link
    return problems


def main(paths: list) -> int:
    if not paths:
        print(__doc__.split("\n\n")[1])
        return 1
    known: dict = {}
    failed = False
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                record = json.load(handle)
            problems = check(record, known)
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems = [f"{path}: cannot be read as a charter download ({error!r})"]
        if problems:
            failed = True
            print("\n".join(problems))
        else:
            version = record["version"]
            print(
                f"{path}: {record['charter']['slug']} version {version['number']} verified "
                f"({version['digest']})"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
