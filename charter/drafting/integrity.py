"""Verify the stored history against its hash chain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa

from charter.drafting.models import Charter, SectionText, Version, VersionSection
from charter.extensions import db
from charter.text.hashing import VersionRecord, verify_chain


def verify_all() -> Iterator[tuple[Charter, int, list[str]]]:
    """Each charter with its number of versions and the problems found (empty: verified)."""
    for charter in db.session.scalars(sa.select(Charter).order_by(Charter.slug)):
        records = records_of(charter)
        yield charter, len(records), verify_chain(records)


def records_of(charter: Charter) -> list[VersionRecord]:
    """The charter's versions as the verifier reads them, from the stored rows."""
    versions = list(
        db.session.scalars(
            sa.select(Version).where(Version.charter_id == charter.id).order_by(Version.number)
        )
    )
    numbers = {version.id: version.number for version in versions}
    rows = db.session.execute(
        sa.select(
            VersionSection.version_id,
            VersionSection.key,
            VersionSection.level,
            VersionSection.heading,
            VersionSection.text_hash,
            SectionText.body,
        )
        .join(SectionText, SectionText.hash == VersionSection.text_hash, isouter=True)
        .join(Version, Version.id == VersionSection.version_id)
        .where(Version.charter_id == charter.id)
        .order_by(VersionSection.version_id, VersionSection.position)
    )
    sections: dict[int, list[tuple[str, int, str, str]]] = defaultdict(list)
    texts: dict[int, dict[str, str]] = defaultdict(dict)
    for version_id, key, level, heading, text_hash, body in rows:
        sections[version_id].append((key, level, heading, text_hash))
        if body is not None:
            texts[version_id][text_hash] = body
    return [
        VersionRecord(
            number=version.number,
            parent_number=numbers.get(version.parent_id) if version.parent_id else None,
            parent_hash=version.parent_hash,
            digest=version.digest,
            sections=tuple(sections[version.id]),
            texts=texts[version.id],
            meta=version.hash_meta(charter.slug),
        )
        for version in versions
    ]
