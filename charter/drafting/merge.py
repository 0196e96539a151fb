"""The secretariat's drafting use cases: merge amendments, edit the draft, publish, decide.

Each one runs in the caller's transaction and only flushes: the view commits once, so a
version, the amendments it merges and their audit rows are written together or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from charter import audit, permissions, testing, webhooks
from charter.accounts.models import User
from charter.amendments import services as amendment_services
from charter.amendments.models import Amendment, Endorsement, State
from charter.drafting import idempotency, queries, services
from charter.drafting.models import (
    BureauDecision,
    Charter,
    MergeStep,
    Publication,
    Version,
    VersionOrigin,
)
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.text import hashing, merge, rebase
from charter.text.sections import Section

MAX_NOTE = 5_000
DECISIONS = ("adopted", "returned")


def stale_head() -> Conflict:
    """The answer to anyone who worked on a head that has moved on since."""
    return Conflict(_("The draft changed while you were working on it: review it again."))


def _require(actor: User, action: str, target: object) -> None:
    permissions.require(actor, action, target, _("Only the secretariat may do this."))


def lock_head(charter: Charter) -> None:
    """Take the charter's write lock until the transaction ends: merges, direct edits and
    stage moves of one charter then run one after the other, each seeing the last one's
    head. (A row update locks on both engines: PostgreSQL's row lock, SQLite's write lock.)"""
    try:
        db.session.execute(
            sa.update(Charter)
            .where(Charter.id == charter.id)
            .values(stage_position=Charter.stage_position)
            .execution_options(synchronize_session=False)
        )
    except OperationalError as error:  # SQLite gave up waiting for the other writer
        raise stale_head() from error
    db.session.expire(charter, ["stage_position", "stage"])


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("The note is longer than 5,000 characters."))
    return note


# --- merge ----------------------------------------------------------------------------------


def accepted_amendments(charter: Charter) -> list[Amendment]:
    """The amendments waiting to be merged, oldest first, with what the page shows of them."""
    return list(
        db.session.scalars(
            sa.select(Amendment)
            .options(
                selectinload(Amendment.author),
                selectinload(Amendment.council),
                selectinload(Amendment.operations),
                selectinload(Amendment.base_version),
            )
            .where(Amendment.charter_id == charter.id, Amendment.state == State.ACCEPTED)
            .order_by(Amendment.number)
        )
    )


def chosen(charter: Charter, numbers: Sequence[int]) -> list[Amendment]:
    """The amendments of charter with these numbers, in the order given; each must be
    accepted and not merged yet."""
    if not numbers:
        raise InvalidInput(_("Choose at least one accepted amendment to merge."))
    if len(set(numbers)) != len(numbers):
        raise InvalidInput(_("An amendment is listed twice."))
    found = {
        amendment.number: amendment
        for amendment in db.session.scalars(
            sa.select(Amendment)
            .options(
                selectinload(Amendment.operations),
                selectinload(Amendment.base_version),
                # what marking them merged touches: loaded at once, not one by one
                selectinload(Amendment.events),
                selectinload(Amendment.endorsements),
            )
            .where(Amendment.charter_id == charter.id, Amendment.number.in_(numbers))
        )
    }
    amendments = []
    for number in numbers:
        amendment = found.get(number)
        if amendment is None:
            raise InvalidInput(_("There is no amendment %(number)s.", number=number))
        if amendment.state is State.MERGED:
            raise Conflict(_("Amendment %(number)s is merged already.", number=number))
        if amendment.state is not State.ACCEPTED:
            raise Conflict(
                _(
                    "Amendment %(number)s is not accepted: only accepted amendments are merged.",
                    number=number,
                )
            )
        amendments.append(amendment)
    return amendments


def combine(
    head: Version,
    amendments: Sequence[Amendment],
    resolutions: Mapping[tuple[int, str], str] | None = None,
) -> merge.Combination:
    """The head with the amendments applied in order (resolutions keyed by amendment number
    and section key)."""
    proposals = [
        merge.Proposal(
            id=amendment.number,
            base=queries.sections_of(amendment.base_version),
            operations=tuple(amendment.text_operations()),
        )
        for amendment in amendments
    ]
    return merge.combine(queries.sections_of(head), proposals, resolutions)


def merge_amendments(
    actor: User,
    charter: Charter,
    numbers: Sequence[int],
    *,
    resolutions: Mapping[tuple[int, str], str],
    note: str,
    expected_head: int | None,
    idempotency_key: str | None = None,
) -> Version:
    """Create the next draft version from accepted amendments, in the order given, and
    mark them merged: all in the caller's transaction.

    A merge sent again with the idempotency key of one made already raises
    idempotency.MergedAlready with that version, and changes nothing.
    """
    _require(actor, "merge", charter)
    note = _note(note)
    idempotency_key = idempotency.checked(idempotency_key)
    lock_head(charter)
    _require(actor, "merge", charter)  # the stage may have moved while we waited
    if idempotency_key is not None:  # looked up under the lock: a twin request waited for us
        earlier = idempotency.earlier_merge(actor, charter, numbers, idempotency_key)
        if earlier is not None:
            raise idempotency.MergedAlready(earlier)
    head = queries.head_version(charter)
    if head is None or head.number != expected_head:
        raise stale_head()
    amendments = chosen(charter, numbers)
    combination = combine(head, amendments, resolutions)
    if combination.unsettled:
        numbers_left = sorted({conflict.proposal_id for conflict in combination.unsettled})
        raise InvalidInput(
            _(
                "Some conflicts are not resolved (amendments %(numbers)s): write the text "
                "of each conflicting section, or leave those amendments out.",
                numbers=", ".join(map(str, numbers_left)),
            )
        )
    if combination.sections == queries.sections_of(head):
        raise InvalidInput(_("The draft already holds these changes: nothing would change."))
    version = _commit(
        actor,
        charter,
        combination.sections,
        note=note or _default_note(amendments),
        expected_head=expected_head,
        kind="merge",
        idempotency_key=idempotency_key,
    )
    by_number = {amendment.number: amendment for amendment in amendments}
    _record_steps(
        version,
        [
            (by_number[step.proposal_id].id if step.proposal_id else None, step)
            for step in combination.steps
        ],
    )
    with db.session.no_autoflush:
        for amendment in amendments:
            amendment_services.mark_merged(actor, amendment, version.id, version.number)
            audit.record(
                actor, "amendment.merge", amendment, before="accepted", after=f"v{version.number}"
            )
    audit.record(
        actor,
        "version.merge",
        version,
        before=f"v{head.number}",
        after=f"v{version.number}: "
        + ", ".join(f"#{amendment.number}" for amendment in amendments),
    )
    _flush()
    testing.pause(testing.PAUSE_MERGE)  # does nothing outside the crash test
    return version


def _default_note(amendments: Sequence[Amendment]) -> str:
    return ngettext(
        "Merged amendment %(numbers)s.",
        "Merged amendments %(numbers)s.",
        len(amendments),
        numbers=", ".join(str(amendment.number) for amendment in amendments),
    )


def _commit(
    actor: User,
    charter: Charter,
    sections: Sequence[Section],
    *,
    note: str,
    expected_head: int | None,
    kind: str,
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Version:
    try:
        version = services.commit_version(
            charter,
            sections,
            note=note,
            author=actor.display_name,
            expected_head=expected_head,
            created_at=at,
            idempotency_key=idempotency_key,
        )
        db.session.add(
            VersionOrigin(
                version_id=version.id,
                kind=kind,
                actor_id=actor.id,
                stage_position=charter.stage_position,
            )
        )
    except IntegrityError as error:  # another version took this number first
        raise stale_head() from error
    return version


def _record_steps(version: Version, steps: Sequence[tuple[int | None, merge.Step]]) -> None:
    """Keep each contribution's text, in order, for provenance and verification."""
    texts = {hashing.text_hash(step.body): step.body for _, step in steps if step.body is not None}
    services.store_texts(texts)
    db.session.flush()  # the texts first: steps refer to them
    db.session.add_all(
        MergeStep(
            version_id=version.id,
            position=position,
            amendment_id=amendment_id,
            section_key=step.key,
            text_hash=None if step.body is None else hashing.text_hash(step.body),
            resolved=step.resolved,
        )
        for position, (amendment_id, step) in enumerate(steps)
    )


def _flush() -> None:
    """Flush, turning a lost race (another merge, an edited amendment) into a conflict."""
    try:
        db.session.flush()
    except (IntegrityError, StaleDataError) as error:
        raise stale_head() from error


# --- direct edit ----------------------------------------------------------------------------


def direct_edit(
    actor: User,
    charter: Charter,
    operations: Sequence[rebase.Operation],
    *,
    note: str,
    expected_head: int | None,
) -> Version:
    """The secretariat changes the draft itself: a new version recorded as a direct edit."""
    _require(actor, "edit_draft", charter)
    note = _note(note)
    if not note:
        raise InvalidInput(_("Say what you changed and why: the note goes into the changelog."))
    lock_head(charter)
    _require(actor, "edit_draft", charter)
    head = queries.head_version(charter)
    if head is None or head.number != expected_head:
        raise stale_head()
    before = queries.sections_of(head)
    after = amendment_services.check_operations(before, operations)
    version = _commit(
        actor, charter, after, note=note, expected_head=expected_head, kind="direct_edit"
    )
    steps = merge.combine(before, [merge.Proposal(0, tuple(before), tuple(operations))]).steps
    _record_steps(version, [(None, step) for step in steps])
    audit.record(
        actor,
        "version.direct_edit",
        version,
        before=f"v{head.number}",
        after=f"v{version.number}: {note[:200]}",
    )
    _flush()
    return version


# --- publication and decisions ----------------------------------------------------------------


def publish(actor: User, version: Version) -> Publication:
    """Make a version the public one."""
    _require(actor, "publish", version.charter)
    publication = services.publish(version, by=actor.display_name)
    audit.record(actor, "version.publish", version, before="draft", after="published")
    webhooks.version_published(version)
    return publication


def record_decision(actor: User, version: Version, decision: str, note: str) -> BureauDecision:
    """Record the Executive Bureau's decision on a version: adopted, or returned with a note."""
    _require(actor, "record_decision", version.charter)
    if decision not in DECISIONS:
        raise InvalidInput(_("Choose the Bureau's decision: adopted or returned."))
    note = _note(note)
    if decision == "returned" and not note:
        raise InvalidInput(_("Say why the Bureau returned the text: the note is required."))
    entry = BureauDecision(version_id=version.id, decision=decision, note=note, actor_id=actor.id)
    db.session.add(entry)
    audit.record(actor, f"version.{decision}", version, after=note[:200])
    db.session.flush()
    return entry


# --- the changelog --------------------------------------------------------------------------


def changelog(version_ids: Sequence[int]) -> dict[int, dict]:
    """For each version: how it was made, the amendments it merged (authors, councils,
    co-signers) and the Bureau's decisions. One query when there is nothing more to say
    (most versions), a few more when there is — never one per version."""
    if not version_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Version.id,
            VersionOrigin,
            sa.exists().where(Amendment.merged_version_id == Version.id),
            sa.exists().where(BureauDecision.version_id == Version.id),
        )
        .outerjoin(VersionOrigin, VersionOrigin.version_id == Version.id)
        .options(selectinload(VersionOrigin.actor))
        .where(Version.id.in_(version_ids))
    ).all()
    merged: dict[int, list[Amendment]] = defaultdict(list)
    with_amendments = [version_id for version_id, _o, has, _d in rows if has]
    if with_amendments:
        for amendment in db.session.scalars(
            sa.select(Amendment)
            .options(
                joinedload(Amendment.author),
                joinedload(Amendment.council),
                selectinload(Amendment.endorsements).joinedload(Endorsement.user),
            )
            .where(Amendment.merged_version_id.in_(with_amendments))
            .order_by(Amendment.number)
        ):
            merged[amendment.merged_version_id].append(amendment)
    decisions: dict[int, list[BureauDecision]] = defaultdict(list)
    with_decisions = [version_id for version_id, _o, _a, has in rows if has]
    if with_decisions:
        for decision in db.session.scalars(
            sa.select(BureauDecision)
            .where(BureauDecision.version_id.in_(with_decisions))
            .order_by(BureauDecision.decided_at, BureauDecision.id)
        ):
            decisions[decision.version_id].append(decision)
    return {
        version_id: {
            "origin": origin,
            "amendments": merged.get(version_id, []),
            "decisions": decisions.get(version_id, []),
        }
        for version_id, origin, _a, _d in rows
    }
