"""Consultation use cases: answer, comment, annotate, reply, edit, delete, flag, moderate.

Every function asks the policy, validates, changes the database in the caller's
transaction, records the audit row and notifies; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from charter import audit, notifications, permissions
from charter.accounts.models import User
from charter.amendments.models import Amendment
from charter.consultation.models import Comment, Flag, GuidingQuestion, Theme
from charter.drafting import queries
from charter.drafting.models import Charter, Version, utcnow
from charter.errors import Conflict, Forbidden, InvalidInput, TooMany
from charter.extensions import db
from charter.notices import Notice, n_
from charter.text import anchor

MAX_BODY = 10_000
MAX_REASON = 2_000
MAX_QUOTE = 2_000
# Comments a person may write: (how many, in how many seconds); the config may change it.
DEFAULT_LIMITS = ((5, 60), (60, 3600))

# The action of the policy that allows writing each kind of comment.
ACTIONS = {
    "answer": "answer_question",
    "section": "comment",
    "annotation": "comment",
    "amendment": "discuss_amendment",
}


# Reading ----------------------------------------------------------------------------------


def may_read(user: User | None, comment: Comment) -> bool:
    """Whether user may see this comment at all (its target is visible to them)."""
    if comment.amendment_id is not None:
        return permissions.can(user, "read_amendment", comment.amendment)
    if comment.version_id is not None:
        return queries.version_visible(comment.charter, comment.version_id, user)
    return queries.latest_visible(comment.charter, user) is not None


def why_closed(question: GuidingQuestion) -> str | None:
    """Why the question itself takes no answers now (closed, or bound to another stage)."""
    if not question.open:
        return _("This question is closed: it takes no more answers.")
    if not question.takes_answers():
        current = question.charter.stage
        if current is None:
            return _(
                "This question takes answers during the stage “%(stage)s”.",
                stage=question.stage.name,
            )
        return _(
            "This question takes answers during the stage “%(stage)s”; the charter is now in "
            "“%(current)s”.",
            stage=question.stage.name,
            current=current.name,
        )
    return None


def may_write(user: User | None, comment: Comment) -> bool:
    """Whether user may reply to a comment of this kind now (policy and question state)."""
    if comment.question is not None and not comment.question.takes_answers():
        return False
    target = comment.amendment or comment.question or comment.charter
    return permissions.can(user, ACTIONS[comment.kind], target)


def may_edit(user: User | None, comment: Comment) -> bool:
    """The author, within 15 minutes, of a live comment, while writing is still allowed."""
    return (
        user is not None
        and comment.author_id == user.id
        and comment.live
        and utcnow() < comment.editable_until()
        and may_write(user, comment)
    )


# Writing ----------------------------------------------------------------------------------


def answer(
    actor: User,
    question: GuidingQuestion,
    body: str,
    *,
    themes: Sequence[int] = (),
    parent: Comment | None = None,
) -> Comment:
    """An answer to a guiding question, or a reply within its answers."""
    permissions.require(actor, "answer_question", question)
    if reason := why_closed(question):
        raise Conflict(reason)
    comment = Comment(charter_id=question.charter_id, question_id=question.id)
    _write(actor, question.charter, comment, body, themes, parent)
    link = f"/charters/{question.charter.slug}/questions/{question.id}#comment-{comment.id}"
    _tell(actor, comment, link, "question", question.id, n_("an answer to a guiding question"))
    return comment


def comment_on_section(
    actor: User,
    charter: Charter,
    version: Version | queries.VersionInfo,
    key: str,
    body: str,
    *,
    themes: Sequence[int] = (),
    parent: Comment | None = None,
    quote: str = "",
    position: int | None = None,
) -> Comment:
    """A comment on a section of a version; with a quote, an annotation of that passage."""
    permissions.require(actor, "comment", charter)
    if not queries.version_visible(charter, version.id, actor):
        raise Forbidden(_("You may not comment on this version."))
    section = next((s for s in queries.sections_of(version) if s.key == key), None)
    if section is None:
        raise InvalidInput(_("This section is not in version %(number)s.", number=version.number))
    comment = Comment(charter_id=charter.id, section_key=key, version_id=version.id)
    quote = anchor.normalise(quote)
    if quote:
        if parent is not None:
            raise InvalidInput(
                _("A reply cannot quote a passage: comment on the passage itself."), field="quote"
            )
        if len(quote) > MAX_QUOTE:
            raise InvalidInput(
                _("The quoted passage is longer than 2,000 characters."), field="quote"
            )
        text = anchor.plain_text(section.body)
        found = anchor.find(text, quote, position)
        if found is None:
            raise InvalidInput(
                _("The quoted passage is not in this section. Copy it exactly from the text."),
                field="quote",
            )
        comment.quote = quote
        comment.quote_start = found.start
        comment.quote_prefix, comment.quote_suffix = anchor.context(text, found.start, found.end)
    _write(actor, charter, comment, body, themes, parent)
    title = section.heading or _("Preamble")
    link = f"/charters/{charter.slug}/sections/{key}/comments#comment-{comment.id}"
    _tell(actor, comment, link, "section", key, f"“{title}”", draft=version)
    return comment


def comment_on_amendment(
    actor: User, amendment: Amendment, body: str, *, parent: Comment | None = None
) -> Comment:
    """A message in an amendment's discussion."""
    permissions.require(
        actor, "discuss_amendment", amendment, _("You may not do this with this amendment.")
    )
    comment = Comment(charter_id=amendment.charter_id, amendment_id=amendment.id)
    _write(actor, amendment.charter, comment, body, (), parent)
    link = f"/charters/{amendment.charter.slug}/amendments/{amendment.number}#comment-{comment.id}"
    notifications.follow(actor, amendment.charter, "amendment", amendment.number)
    recipients = notifications.allowed(
        notifications.followers(amendment.charter, "amendment", amendment.number)
        | {amendment.author_id},
        "read_amendment",
        amendment,
    )
    what = n_("amendment %(number)s", number=amendment.number)
    _notify_reply(actor, comment, link)
    notifications.notify(
        recipients - _parent_author(comment),
        n_("%(name)s wrote in the discussion of %(what)s.", name=actor.display_name, what=what),
        link,
        actor=actor,
    )
    return comment


def reply_to(actor: User, parent: Comment, body: str) -> Comment:
    """A reply to any comment, on the same target as the comment it answers."""
    if parent.question is not None:
        return answer(actor, parent.question, body, parent=parent)
    if parent.amendment is not None:
        return comment_on_amendment(actor, parent.amendment, body, parent=parent)
    version = db.session.get(Version, parent.version_id)
    return comment_on_section(
        actor, parent.charter, version, parent.section_key, body, parent=parent
    )


def edit(actor: User, comment: Comment, body: str) -> None:
    """The author corrects a comment within 15 minutes of writing it."""
    if comment.author_id != actor.id:
        raise Forbidden(_("Only its author may edit a comment."))
    if not comment.live:
        raise Conflict(_("A hidden or deleted comment cannot be edited."))
    if utcnow() >= comment.editable_until():
        raise Conflict(_("A comment can be edited for 15 minutes after it was written."))
    if not may_write(actor, comment):
        raise Conflict(_("Comments cannot be changed at this stage."))
    before = comment.body
    comment.body = _checked_body(body)
    comment.edited_at = utcnow()
    audit.record(
        actor,
        "comment.edit",
        comment,
        before=audit.shorten(before, 1000),
        after=audit.shorten(comment.body, 1000),
    )


def delete(actor: User, comment: Comment) -> None:
    """The author withdraws a comment: it shows as "deleted by author"; replies stay."""
    if comment.author_id != actor.id:
        raise Forbidden(_("Only its author may delete a comment."))
    if comment.deleted:
        raise Conflict(_("This comment is already deleted."))
    if comment.hidden:
        raise Conflict(_("This comment was hidden by the secretariat."))
    comment.deleted_at = utcnow()
    _resolve_flags(comment)
    audit.record(actor, "comment.delete", comment, before=audit.shorten(comment.body, 1000))


def flag(actor: User, comment: Comment, reason: str) -> None:
    """Ask the secretariat to look at a comment (once per person and comment)."""
    permissions.require(actor, "flag", comment.charter)
    if comment.author_id == actor.id:
        raise InvalidInput(_("You cannot flag your own comment: edit or delete it instead."))
    if not comment.live:
        raise Conflict(_("This comment is already hidden or deleted."))
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is longer than 2,000 characters."))
    existing = db.session.scalar(
        sa.select(Flag).where(Flag.comment_id == comment.id, Flag.user_id == actor.id)
    )
    if existing is not None and existing.resolved_at is None:
        raise Conflict(_("You have already flagged this comment; the secretariat will look at it."))
    if existing is not None:
        existing.reason, existing.created_at, existing.resolved_at = reason, utcnow(), None
    else:
        db.session.add(Flag(comment_id=comment.id, user_id=actor.id, reason=reason))
    comment.open_flags += 1
    db.session.flush()
    audit.record(actor, "comment.flag", comment, after=audit.shorten(reason))


def hide(actor: User, comment: Comment, reason: str) -> None:
    """The secretariat hides a comment; the reason is shown in its place, to everyone."""
    permissions.require(actor, "moderate", comment.charter)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the comment is hidden: the reason is shown in its place."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is longer than 2,000 characters."))
    if comment.hidden:
        raise Conflict(_("This comment is already hidden."))
    comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = utcnow(), actor.id, reason
    _resolve_flags(comment)
    audit.record(actor, "comment.hide", comment, after=audit.shorten(reason, 1000))
    notifications.notify(
        [comment.author_id],
        n_("The secretariat hid your comment: %(reason)s", reason=reason),
        _comment_link(comment),
        actor=actor,
    )


def restore(actor: User, comment: Comment) -> None:
    """The secretariat shows a hidden comment again."""
    permissions.require(actor, "moderate", comment.charter)
    if not comment.hidden:
        raise Conflict(_("This comment is not hidden."))
    before = comment.hidden_reason
    comment.hidden_at, comment.hidden_by_id, comment.hidden_reason = None, None, ""
    audit.record(actor, "comment.restore", comment, before=audit.shorten(before, 1000))
    notifications.notify(
        [comment.author_id],
        n_("The secretariat restored your comment."),
        _comment_link(comment),
        actor=actor,
    )


def dismiss_flags(actor: User, comment: Comment) -> None:
    """The secretariat keeps a flagged comment as it is."""
    permissions.require(actor, "moderate", comment.charter)
    if comment.open_flags == 0:
        raise Conflict(_("This comment has no flag to dismiss."))
    count = comment.open_flags
    _resolve_flags(comment)
    audit.record(actor, "comment.dismiss_flags", comment, before=f"{count} flag(s)")


# Inside -----------------------------------------------------------------------------------


def _checked_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("The comment is empty."))
    if len(body) > MAX_BODY:
        raise InvalidInput(
            _("The comment is %(count)s characters long; the limit is 10,000.", count=len(body))
        )
    return body


def _write(
    actor: User,
    charter: Charter,
    comment: Comment,
    body: str,
    theme_ids: Sequence[int],
    parent: Comment | None,
) -> None:
    """Validate and add a comment whose target is set; audit it."""
    comment.body = _checked_body(body)
    comment.author_id = actor.id
    if parent is not None:
        _check_parent(comment, parent)
        comment.parent_id = parent.id
        comment.depth = min(parent.depth + 1, Comment.MAX_DEPTH)
        if parent.depth >= Comment.MAX_DEPTH:  # the third level takes replies as siblings
            comment.parent_id = parent.parent_id
    _check_rate(actor)
    if theme_ids:
        comment.themes = _themes(charter, theme_ids)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, f"comment.{comment.kind}", comment, after=audit.shorten(comment.body))


def _check_parent(comment: Comment, parent: Comment) -> None:
    same_target = (
        parent.charter_id == comment.charter_id
        and parent.question_id == comment.question_id
        and parent.amendment_id == comment.amendment_id
        and parent.section_key == comment.section_key
    )
    if not same_target:
        raise InvalidInput(_("This reply does not belong to that discussion."))
    if parent.hidden:
        raise Conflict(_("This comment was hidden by the secretariat: it takes no replies."))
    if parent.deleted:
        raise Conflict(_("This comment was deleted by its author: it takes no replies."))


def _check_rate(actor: User) -> None:
    """Refuse a flood: more comments within a window than the limits allow."""
    now = utcnow()
    for count, seconds in current_app.config.get("COMMENT_LIMITS", DEFAULT_LIMITS):
        recent = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Comment)
            .where(
                Comment.author_id == actor.id,
                Comment.created_at > now - timedelta(seconds=seconds),
            )
        )
        if recent >= count:
            minutes = max(1, seconds // 60)
            raise TooMany(
                _(
                    "You have written %(count)s comments in the last %(minutes)s minutes: "
                    "please wait a little before sending this one. Your text is kept below.",
                    count=recent,
                    minutes=minutes,
                )
            )


def _themes(charter: Charter, theme_ids: Sequence[int]) -> list[Theme]:
    themes = list(
        db.session.scalars(
            sa.select(Theme).where(Theme.charter_id == charter.id, Theme.id.in_(theme_ids))
        )
    )
    if len(themes) != len(set(theme_ids)):
        raise InvalidInput(_("Choose themes of this charter."), field="themes")
    return themes


def _resolve_flags(comment: Comment) -> None:
    db.session.execute(
        sa.update(Flag)
        .where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    comment.open_flags = 0


def _parent_author(comment: Comment) -> set[int]:
    return {comment.parent.author_id} if comment.parent_id is not None else set()


def _notify_reply(actor: User, comment: Comment, link: str) -> None:
    if comment.parent_id is not None:
        notifications.notify(
            _parent_author(comment),
            n_("%(name)s replied to your comment.", name=actor.display_name),
            link,
            actor=actor,
        )


def _tell(
    actor: User,
    comment: Comment,
    link: str,
    kind: str,
    ref: object,
    what: Notice | str,
    *,
    draft: Version | queries.VersionInfo | None = None,
) -> None:
    """Follow the target for the actor; tell its followers and the replied-to author.

    On a draft version, only people who may read drafts hear of it.
    """
    notifications.follow(actor, comment.charter, kind, ref)
    _notify_reply(actor, comment, link)
    recipients = notifications.followers(comment.charter, kind, ref) - _parent_author(comment)
    if draft is not None and not queries.version_visible(comment.charter, draft.id, None):
        recipients = notifications.allowed(recipients, "read_draft", comment.charter)
    notifications.notify(
        recipients,
        n_("%(name)s commented on %(what)s.", name=actor.display_name, what=what),
        link,
        actor=actor,
    )


def _comment_link(comment: Comment) -> str:
    slug = comment.charter.slug
    if comment.question_id is not None:
        return f"/charters/{slug}/questions/{comment.question_id}#comment-{comment.id}"
    if comment.amendment is not None:
        return f"/charters/{slug}/amendments/{comment.amendment.number}#comment-{comment.id}"
    return f"/charters/{slug}/sections/{comment.section_key}/comments#comment-{comment.id}"
