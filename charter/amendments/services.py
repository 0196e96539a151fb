"""Amendment use cases: propose, edit, submit, withdraw, co-sign, review."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from charter import audit, notifications, permissions, webhooks
from charter.accounts.models import User
from charter.amendments.models import (
    TRANSITIONS,
    Amendment,
    AmendmentEvent,
    AmendmentOperation,
    Endorsement,
    State,
)
from charter.consultation.models import GuidingQuestion, Theme
from charter.database import savepoint
from charter.drafting import queries
from charter.drafting.models import Charter, utcnow
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.notices import n_
from charter.text import rebase
from charter.text.sections import Section

MAX_TEXT_BYTES = 100 * 1024
MAX_JUSTIFICATION = 10_000


def _require(actor: User, action: str, target: object) -> None:
    permissions.require(actor, action, target, _("You may not do this with this amendment."))


def check_operations(
    base_sections: Sequence[Section], operations: Sequence[rebase.Operation]
) -> list[Section]:
    """Refuse operations that do not fit the base or change nothing; the resulting text."""
    if not operations:
        raise InvalidInput(_("An amendment needs at least one change."))
    for operation in operations:
        if operation.text is not None and len(operation.text.encode()) > MAX_TEXT_BYTES:
            raise InvalidInput(_("The proposed text is longer than 100 KB."))
        if operation.kind in ("modify", "insert") and not (operation.text or "").strip():
            raise InvalidInput(
                _("The proposed text is empty. To remove a section, propose its deletion.")
            )
        if operation.kind == "insert" and not (operation.heading or "").strip():
            raise InvalidInput(_("A new section needs a heading."))
    result = list(base_sections)
    for operation in operations:
        try:
            after = rebase.apply(result, [operation])
        except rebase.OperationError as error:
            raise InvalidInput(
                _("This change does not fit the draft any more: %(reason)s", reason=str(error))
            ) from error
        if after == result:
            raise InvalidInput(
                _("The proposed text is the same as the current text: nothing changes.")
            )
        result = after
    return result


def _check_texts(title: str, justification: str) -> tuple[str, str]:
    title, justification = title.strip(), justification.strip()
    if not justification:
        raise InvalidInput(_("Say why this change is needed: the justification is required."))
    if len(justification) > MAX_JUSTIFICATION:
        raise InvalidInput(_("The justification is longer than 10,000 characters."))
    return title[:200], justification


def _title_for(operations: Sequence[rebase.Operation], base: Sequence[Section]) -> str:
    headings = {section.key: section.heading or _("Preamble") for section in base}
    first = operations[0]
    heading = headings.get(first.key) or first.heading or first.key
    labels = {
        "modify": _("Change to %(section)s", section=heading),
        "insert": _("New section: %(section)s", section=first.heading or ""),
        "delete": _("Deletion of %(section)s", section=heading),
        "move": _("Move of %(section)s", section=heading),
    }
    title = labels[first.kind]
    if len(operations) > 1:
        title += " " + _("(and %(count)d more changes)", count=len(operations) - 1)
    return title


def _move(amendment: Amendment, to: State, actor: User, reason: str = "") -> None:
    if to not in TRANSITIONS[amendment.state]:
        raise Conflict(
            _(
                "This amendment is %(state)s: it cannot become %(to)s.",
                state=amendment.state.value,
                to=to.value,
            )
        )
    amendment.events.append(
        AmendmentEvent(
            from_state=amendment.state.value, to_state=to.value, actor=actor, reason=reason
        )
    )
    webhooks.amendment_state_changed(amendment, amendment.state.value, to.value)
    amendment.state = to
    amendment.updated_at = utcnow()


def _check_revision(amendment: Amendment, revision: int | None) -> None:
    if revision is not None and revision != amendment.revision:
        raise Conflict(
            _(
                "This amendment changed since you opened it. Your text is kept below: "
                "check the current version and send again."
            )
        )


def propose(
    actor: User,
    charter: Charter,
    base_number: int | None,
    operations: Sequence[rebase.Operation],
    *,
    justification: str,
    title: str = "",
    themes: Sequence[Theme] = (),
    questions: Sequence[GuidingQuestion] = (),
    submit: bool = False,
) -> Amendment:
    """A new amendment on the draft the author saw (version base_number), kept as a draft
    or submitted at once."""
    _require(actor, "propose_amendment", charter)
    base = head = queries.head_version(charter)
    if head is None or head.number != base_number:
        raise Conflict(
            _(
                "The draft changed while you were writing (it is now version %(number)s). "
                "Your text is kept: check it against the new draft and send it again.",
                number=head.number if head else 0,
            )
        )
    base_sections = queries.sections_of(base)
    check_operations(base_sections, operations)
    title, justification = _check_texts(title, justification)
    councils = [council for council in actor.councils if council.charter_id == charter.id]
    amendment = Amendment(
        charter=charter,
        number=_next_number(charter),
        base_version=base,
        author=actor,
        council=councils[0] if councils else None,
        title=title or _title_for(operations, base_sections),
        justification=justification,
        state=State.DRAFT,
        themes=list(themes),
        questions=list(questions),
    )
    _set_operations(amendment, operations)
    amendment.events.append(
        AmendmentEvent(from_state=None, to_state=State.DRAFT.value, actor=actor)
    )
    db.session.add(amendment)
    if submit:
        _move(amendment, State.SUBMITTED, actor)
    db.session.flush()
    audit.record(actor, "amendment.propose", amendment, after=amendment.state.value)
    return amendment


def _next_number(charter: Charter) -> int:
    # Two proposals at once would compute the same number: the charter's write lock (the
    # one merges take) makes the second wait for the first to commit, then count it.
    from charter.drafting.merge import lock_head  # drafting.merge imports this module

    lock_head(charter)
    highest = db.session.scalar(
        sa.select(sa.func.max(Amendment.number)).where(Amendment.charter_id == charter.id)
    )
    return (highest or 0) + 1


def _set_operations(amendment: Amendment, operations: Sequence[rebase.Operation]) -> None:
    amendment.operations = [
        AmendmentOperation(
            position=position,
            kind=op.kind,
            section_key=op.key,
            text=op.text,
            heading=op.heading,
            level=op.level,
            after_key=op.after,
        )
        for position, op in enumerate(operations)
    ]
    amendment.section_keys = " ".join(dict.fromkeys(op.key for op in operations))


def edit(
    actor: User,
    amendment: Amendment,
    operations: Sequence[rebase.Operation],
    *,
    justification: str,
    title: str,
    themes: Sequence[Theme],
    questions: Sequence[GuidingQuestion],
    revision: int | None,
) -> None:
    """The author changes the amendment while it is a draft or awaits review."""
    _require(actor, "edit_amendment", amendment)
    if amendment.state not in (State.DRAFT, State.SUBMITTED):
        raise Conflict(_("Only a draft or an amendment awaiting review can be edited."))
    _check_revision(amendment, revision)
    base_sections = queries.sections_of(amendment.base_version)
    check_operations(base_sections, operations)
    title, justification = _check_texts(title, justification)
    before = _contents(amendment)
    amendment.title = title or _title_for(operations, base_sections)
    amendment.justification = justification
    amendment.themes = list(themes)
    amendment.questions = list(questions)
    _set_operations(amendment, operations)
    amendment.updated_at = utcnow()
    _record_edit(actor, "amendment.edit", amendment, before)
    db.session.flush()


def _contents(amendment: Amendment) -> dict[str, object]:
    """What its author may edit, to say in the audit log what an edit changed."""
    return {
        "title": amendment.title,
        "justification": amendment.justification,
        "themes": ", ".join(theme.name for theme in amendment.themes) or "none",
        "questions": ", ".join(f"Q{question.position}" for question in amendment.questions)
        or "none",
        "changes": [op.as_text() for op in amendment.operations],
    }


def _change_labels(operations: Sequence[rebase.Operation]) -> str:
    return ", ".join(
        f"{op.kind} {op.key}" + (f" after {op.after}" if op.after else "") for op in operations
    )


def _record_edit(actor: User, action: str, amendment: Amendment, old: dict[str, object]) -> None:
    new = _contents(amendment)
    old_changes, new_changes = old.pop("changes"), new.pop("changes")
    before, after = audit.differences(old, new)
    if old_changes != new_changes:
        # The changes are named, not quoted: the amendment's page shows their text.
        old_labels = audit.shorten(_change_labels(old_changes), 300)
        new_labels = audit.shorten(_change_labels(new_changes), 300)
        if old_labels == new_labels:
            new_labels += " (text edited)"
        before = "; ".join(filter(None, (before, f"changes: {old_labels}")))
        after = "; ".join(filter(None, (after, f"changes: {new_labels}")))
    audit.record(actor, action, amendment, before=before, after=after or "unchanged")


def change_operations(
    actor: User,
    amendment: Amendment,
    operations: Sequence[rebase.Operation],
    revision: int | None,
) -> None:
    """The author adds or removes changes of a whole-charter amendment."""
    _require(actor, "edit_amendment", amendment)
    if amendment.state not in (State.DRAFT, State.SUBMITTED):
        raise Conflict(_("Only a draft or an amendment awaiting review can be edited."))
    _check_revision(amendment, revision)
    if not operations:
        raise InvalidInput(_("An amendment needs at least one change: withdraw it instead."))
    check_operations(queries.sections_of(amendment.base_version), operations)
    before = _contents(amendment)
    _set_operations(amendment, operations)
    amendment.updated_at = utcnow()
    _record_edit(actor, "amendment.edit_changes", amendment, before)
    db.session.flush()


def submit(actor: User, amendment: Amendment, revision: int | None = None) -> None:
    """Send a draft amendment for review."""
    _require(actor, "edit_amendment", amendment)
    _check_revision(amendment, revision)
    before = amendment.state.value
    _move(amendment, State.SUBMITTED, actor)
    audit.record(actor, "amendment.submit", amendment, before=before, after=State.SUBMITTED.value)
    db.session.flush()


def withdraw(actor: User, amendment: Amendment, reason: str = "") -> None:
    """The author takes the amendment back, any time before it is reviewed."""
    _require(actor, "withdraw_amendment", amendment)
    before = amendment.state.value
    _move(amendment, State.WITHDRAWN, actor, reason.strip())
    after = State.WITHDRAWN.value + (f": {audit.shorten(reason, 1000)}" if reason.strip() else "")
    audit.record(actor, "amendment.withdraw", amendment, before=before, after=after)
    db.session.flush()


def endorse(actor: User, amendment: Amendment) -> None:
    """Co-sign an amendment awaiting review (once per person)."""
    _require(actor, "endorse_amendment", amendment)
    if amendment.state is not State.SUBMITTED:
        raise Conflict(_("Only an amendment awaiting review can be co-signed."))
    already = Conflict(_("You co-signed this amendment already."))
    if db.session.get(Endorsement, (amendment.id, actor.id)) is not None:
        raise already
    try:  # a co-signature sent twice at once: the primary key keeps one
        with savepoint():
            db.session.add(Endorsement(amendment_id=amendment.id, user_id=actor.id))
    except IntegrityError:
        raise already from None
    _recount(amendment)
    audit.record(actor, "amendment.endorse", amendment, before="not co-signed", after="co-signed")


def retract(actor: User, amendment: Amendment) -> None:
    """Take back one's co-signature before the review."""
    if amendment.state is not State.SUBMITTED:
        raise Conflict(_("The review is done: co-signatures can no longer change."))
    deleted = db.session.execute(
        sa.delete(Endorsement).where(
            Endorsement.amendment_id == amendment.id, Endorsement.user_id == actor.id
        )
    ).rowcount
    if not deleted:
        raise Conflict(_("You have not co-signed this amendment."))
    _recount(amendment)
    audit.record(actor, "amendment.retract", amendment, before="co-signed", after="not co-signed")


def _recount(amendment: Amendment) -> None:
    # Counted by the database, so parallel co-signatures never miscount: the row is locked
    # first, in a statement of its own, so the count starts once every co-signature that
    # held the lock before is committed (NO KEY: their foreign keys hold KEY SHARE locks on
    # the row). A plain UPDATE, so it does not count as an edit of the amendment (no
    # optimistic-lock conflict). The state is read again under the lock: a review that
    # committed meanwhile closes co-signing, for this change as for any after it.
    state = db.session.scalar(
        sa.select(Amendment.state)
        .where(Amendment.id == amendment.id)
        .with_for_update(key_share=True)
    )
    if state is not State.SUBMITTED:
        raise Conflict(_("The review is done: co-signatures can no longer change."))
    count = (
        sa.select(sa.func.count())
        .select_from(Endorsement)
        .where(Endorsement.amendment_id == amendment.id)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Amendment)
        .where(Amendment.id == amendment.id)
        .values(endorsement_count=count)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(amendment, ["endorsement_count", "endorsements"])


def review(actor: User, amendment: Amendment, accept: bool, reason: str) -> None:
    """The secretariat accepts or rejects a submitted amendment, saying why."""
    _require(actor, "review_amendment", amendment)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give a reason: the author and co-signers will read it."))
    if amendment.state is not State.SUBMITTED:
        raise Conflict(_("Only an amendment awaiting review can be accepted or rejected."))
    before = amendment.state.value
    to = State.ACCEPTED if accept else State.REJECTED
    _move(amendment, to, actor, reason)
    audit.record(
        actor,
        f"amendment.{'accept' if accept else 'reject'}",
        amendment,
        before=before,
        after=f"{to.value}: {audit.shorten(reason, 1000)}",
    )
    message = (
        n_(
            "Amendment %(number)s “%(title)s” was accepted: %(reason)s",
            number=amendment.number,
            title=amendment.title,
            reason=reason,
        )
        if accept
        else n_(
            "Amendment %(number)s “%(title)s” was rejected: %(reason)s",
            number=amendment.number,
            title=amendment.title,
            reason=reason,
        )
    )
    # A site-relative link, built without a request so the CLI and jobs can review too.
    link = f"/charters/{amendment.charter.slug}/amendments/{amendment.number}"
    notifications.notify(_told_of(amendment), message, link, actor=actor)


def mark_merged(actor: User, amendment: Amendment, version_id: int, version_number: int) -> None:
    """Record that an accepted amendment is now part of version version_number (called by
    the merge, in its transaction); the author and co-signers are told."""
    _move(
        amendment, State.MERGED, actor, _("Merged into version %(number)s.", number=version_number)
    )
    amendment.merged_version_id = version_id
    message = n_(
        "Amendment %(number)s “%(title)s” was merged into version %(version)s.",
        number=amendment.number,
        title=amendment.title,
        version=version_number,
    )
    link = f"/charters/{amendment.charter.slug}/amendments/{amendment.number}"
    notifications.notify(_told_of(amendment), message, link, actor=actor)


def _told_of(amendment: Amendment) -> set[int]:
    """Who hears of a review or merge: the author, co-signers, and the followers who may
    still read the amendment."""
    followers = notifications.followers(amendment.charter, "amendment", amendment.number)
    return (
        {amendment.author_id}
        | {e.user_id for e in amendment.endorsements}
        | notifications.allowed(followers, "read_amendment", amendment)
    )
