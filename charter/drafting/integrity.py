"""Verify the stored history against its hash chain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa

from charter.drafting.models import Charter, MergeStep, SectionText, Version, VersionSection
from charter.extensions import db
from charter.text import hashing, rebase
from charter.text.hashing import VersionRecord, verify_chain
from charter.text.sections import Section


def verify_all() -> Iterator[tuple[Charter, int, list[str]]]:
    """Each charter with its number of versions and the problems found (empty: verified)."""
    for charter in db.session.scalars(sa.select(Charter).order_by(Charter.slug)):
        records = records_of(charter)
        yield charter, len(records), verify_chain(records) + merge_problems(charter, records)


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


def merge_problems(charter: Charter, records: list[VersionRecord]) -> list[str]:
    """Check every merged amendment against the versions as recorded: it names a version
    of the chain made after its base, that version's recorded steps lead from its parent
    to its text, and each step the amendment made (unless the secretariat wrote it to
    settle a conflict) is exactly its change applied to the text before it."""
    from charter.amendments.models import Amendment, State

    by_number = {record.number: record for record in records}
    numbers = {
        version_id: number
        for version_id, number in db.session.execute(
            sa.select(Version.id, Version.number).where(Version.charter_id == charter.id)
        )
    }
    steps: dict[int, list[MergeStep]] = defaultdict(list)
    for step in db.session.scalars(
        sa.select(MergeStep)
        .join(Version, Version.id == MergeStep.version_id)
        .where(Version.charter_id == charter.id)
        .order_by(MergeStep.version_id, MergeStep.position)
    ):
        steps[numbers[step.version_id]].append(step)
    texts = _step_texts(steps)
    problems = []
    for number, version_steps in sorted(steps.items()):
        problems += _replay_problems(by_number, number, version_steps, texts)
    merged = db.session.scalars(
        sa.select(Amendment).where(
            Amendment.charter_id == charter.id,
            (Amendment.state == State.MERGED) | Amendment.merged_version_id.is_not(None),
        )
    )
    for amendment in merged:
        problems += _amendment_problems(amendment, numbers, by_number, steps, texts)
    return problems


def _step_texts(steps: dict[int, list[MergeStep]]) -> dict[str, str]:
    hashes = {step.text_hash for found in steps.values() for step in found if step.text_hash}
    return (
        dict(
            db.session.execute(
                sa.select(SectionText.hash, SectionText.body).where(SectionText.hash.in_(hashes))
            ).all()
        )
        if hashes
        else {}
    )


def _bodies(record: VersionRecord) -> dict[str, str]:
    return {key: record.texts.get(text_hash, "") for key, _l, _h, text_hash in record.sections}


def _replay_problems(
    by_number: dict[int, VersionRecord], number: int, steps: list[MergeStep], texts: dict
) -> list[str]:
    """The steps of version number, replayed on its parent, must give its text."""
    problems = []
    for step in steps:
        if step.text_hash and hashing.text_hash(texts.get(step.text_hash, "")) != step.text_hash:
            problems.append(
                f"version {number}: the recorded text of step {step.position} "
                "does not match its hash"
            )
    parent = by_number.get(number - 1)
    record = by_number.get(number)
    if record is None:
        return [f"merge steps recorded for version {number}, which does not exist"]
    state = _bodies(parent) if parent else {}
    for step in steps:
        if step.text_hash is None:
            state.pop(step.section_key, None)
        else:
            state[step.section_key] = texts.get(step.text_hash, "")
    if state != _bodies(record):
        problems.append(
            f"version {number}: its recorded merge steps do not lead from "
            f"version {number - 1} to its text"
        )
    return problems


def _amendment_problems(amendment, numbers, by_number, steps, texts) -> list[str]:
    label = f"amendment {amendment.number}"
    if amendment.merged_version_id is None or amendment.state != "merged":
        return [f"{label}: merged state and merge version disagree"]
    number = numbers.get(amendment.merged_version_id)
    base = numbers.get(amendment.base_version_id)
    if number is None or base is None:
        return [f"{label}: its versions are not in this charter's chain"]
    if base >= number:
        return [f"{label}: merged into version {number}, not after its base version {base}"]
    own = [step for step in steps.get(number, []) if step.amendment_id == amendment.id]
    if not own:
        return [f"{label}: no text of it is recorded in version {number}"]
    # The text before the amendment: the parent, then the steps before its own.
    state = _bodies(by_number[number - 1])
    for step in steps[number]:
        if step.amendment_id == amendment.id:
            break
        if step.text_hash is None:
            state.pop(step.section_key, None)
        else:
            state[step.section_key] = texts.get(step.text_hash, "")
    base_record = by_number[base]
    base_sections = [
        Section(key, heading, level, base_record.texts.get(text_hash, ""))
        for key, level, heading, text_hash in base_record.sections
    ]
    current = [Section(key, "", 2, body) for key, body in state.items()]
    expected = {
        outcome.rebased.key: outcome.rebased.text
        for outcome in rebase.rebase(base_sections, current, amendment.text_operations())
        if outcome.rebased is not None
        and outcome.rebased.kind == "modify"
        and outcome.rebased.text is not None
    }
    problems = []
    for step in own:
        if step.resolved or step.section_key not in expected:
            continue
        if texts.get(step.text_hash or "") != expected[step.section_key]:
            problems.append(
                f"{label}: the text recorded for “{step.section_key}” in version {number} "
                "is not its change"
            )
    return problems
