"""Process use cases: move a charter between its stages, edit a stage, tell who may do what."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from charter import audit, permissions, webhooks
from charter.drafting.models import Charter
from charter.errors import Conflict, Forbidden, InvalidInput
from charter.extensions import db
from charter.process.models import CAPABILITIES, Stage, StageEvent

MAX_NAME = 120
MAX_DESCRIPTION = 2_000
MAX_NOTE = 2_000

# What a stage opens, as people read it.
CAPABILITY_LABELS = {
    "comment": _l("comments"),
    "answer": _l("answers to the guiding questions"),
    "propose": _l("amendments"),
    "edit": _l("review, merging and editing of the draft"),
}

# The actions the banner asks the policy about, and how it names them.
MAY_DO_NOW = (
    ("propose_amendment", _l("propose amendments")),
    ("endorse_amendment", _l("co-sign amendments")),
    ("discuss_amendment", _l("discuss amendments")),
    ("comment", _l("comment on the draft")),
    ("answer_question", _l("answer the guiding questions")),
    ("review_amendment", _l("review amendments")),
    ("merge", _l("merge accepted amendments")),
    ("edit_draft", _l("edit the draft")),
)


def stages_of(charter: Charter) -> list[Stage]:
    """The charter's stages, in order."""
    return list(
        db.session.scalars(
            sa.select(Stage).where(Stage.charter_id == charter.id).order_by(Stage.position)
        )
    )


def events_of(charter: Charter) -> list[StageEvent]:
    """The recorded moves of the charter between stages, oldest first."""
    return list(
        db.session.scalars(
            sa.select(StageEvent)
            .where(StageEvent.charter_id == charter.id)
            .options(selectinload(StageEvent.actor))
            .order_by(StageEvent.at, StageEvent.id)
        )
    )


def stage_at(charter: Charter, position: int) -> Stage | None:
    """The charter's stage at this position, or None."""
    return db.session.scalar(
        sa.select(Stage).where(Stage.charter_id == charter.id, Stage.position == position)
    )


def advance(
    actor: Any,
    charter: Charter,
    note: str = "",
    expected_position: int | None = None,
    *,
    at: datetime | None = None,
) -> StageEvent:
    """Move the charter to its next stage; a recorded event, dated now or at `at`."""
    return _move(actor, charter, +1, note, expected_position, at)


def step_back(
    actor: Any,
    charter: Charter,
    note: str = "",
    expected_position: int | None = None,
    *,
    at: datetime | None = None,
) -> StageEvent:
    """Move the charter back to its previous stage; a recorded event, dated now or at `at`."""
    return _move(actor, charter, -1, note, expected_position, at)


def _move(
    actor: Any,
    charter: Charter,
    step: int,
    note: str,
    expected_position: int | None,
    at: datetime | None,
) -> StageEvent:
    if not permissions.can(actor, "advance_stage", charter):
        raise Forbidden(_("You may not move this charter between stages."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(_("The note is longer than 2,000 characters."))
    current = charter.stage_position
    if expected_position is not None and expected_position != current:
        raise Conflict(_("The stage changed while you were looking: check it and try again."))
    before, after = stage_at(charter, current), stage_at(charter, current + step)
    if after is None:
        if step > 0:
            raise Conflict(_("The charter is in its last stage: there is no next stage."))
        raise Conflict(_("The charter is in its first stage: there is no previous stage."))
    # Only moves from the position the caller saw: of two moves at once, one is refused.
    moved = db.session.execute(
        sa.update(Charter)
        .where(Charter.id == charter.id, Charter.stage_position == current)
        .values(stage_position=after.position)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(_("The stage changed while you were looking: check it and try again."))
    db.session.expire(charter, ["stage_position", "stage"])
    event = StageEvent(
        charter_id=charter.id,
        from_position=current,
        to_position=after.position,
        actor_id=getattr(actor, "id", None),
        note=note,
    )
    if at is not None:
        event.at = at
    db.session.add(event)
    entry = audit.record(
        actor,
        "stage.advance" if step > 0 else "stage.back",
        charter,
        before=_stage_label(before, current),
        after=_stage_label(after, after.position),
    )
    if at is not None:
        entry.at = at
    webhooks.stage_changed(
        charter, (current, before.name if before else ""), (after.position, after.name), at=at
    )
    db.session.flush()
    return event


def _stage_label(stage: Stage | None, position: int) -> str:
    return f"{position}. {stage.name}" if stage is not None else str(position)


def edit_stage(
    actor: Any,
    stage: Stage,
    name: str,
    description: str,
    opens: Iterable[str],
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> bool:
    """Change a stage's name, description, what it opens and its dates; False if unchanged."""
    if not permissions.can(actor, "manage_stages", stage.charter):
        raise Forbidden(_("You may not change the stages of this charter."))
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        raise InvalidInput(_("A stage needs a name."))
    if len(name) > MAX_NAME:
        raise InvalidInput(_("The name is too long (120 characters at most)."))
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(_("The description is too long (2,000 characters at most)."))
    opens = list(dict.fromkeys(opens))
    unknown = [capability for capability in opens if capability not in CAPABILITIES]
    if unknown:
        raise InvalidInput(
            _("A stage cannot open “%(what)s”.", what=", ".join(str(u) for u in unknown))
        )
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise InvalidInput(_("The closing date must come after the opening date."))
    new = {
        "name": name,
        "description": description,
        "opens": ",".join(c for c in CAPABILITIES if c in opens),
        "opens_at": opens_at,
        "closes_at": closes_at,
    }
    old = {field: getattr(stage, field) for field in new}
    changed = [field for field in new if new[field] != old[field]]
    if not changed:
        return False
    for field in changed:
        setattr(stage, field, new[field])
    audit.record(
        actor,
        "stage.edit",
        stage,
        before=_summary(old, changed),
        after=_summary(new, changed),
    )
    db.session.flush()
    return True


def _summary(values: dict[str, Any], fields: Sequence[str]) -> str:
    """The changed fields, for the audit log."""

    def shown(value: Any) -> str:
        if isinstance(value, datetime):
            return value.isoformat(sep=" ", timespec="minutes")
        return "—" if value in (None, "") else str(value)

    return "; ".join(f"{field}: {shown(values[field])}" for field in fields)


@dataclass(frozen=True)
class Banner:
    """The current stage as a charter page shows it to one viewer."""

    stage: Stage | None
    count: int
    may: list[str]

    @property
    def dates(self) -> str:
        """The stage's dates in words, or an empty string."""
        stage = self.stage
        if stage is None:
            return ""
        if stage.not_yet_open():
            return _("opens %(date)s", date=format_datetime(stage.opens_at, "medium"))
        if stage.closed():
            return _("closed since %(date)s", date=format_datetime(stage.closes_at, "medium"))
        if stage.closes_at is not None:
            return _("until %(date)s", date=format_datetime(stage.closes_at, "medium"))
        if stage.opens_at is not None:
            return _("since %(date)s", date=format_datetime(stage.opens_at, "medium"))
        return ""


def may_do_now(charter: Charter, user: Any) -> list[str]:
    """What the viewer may do in the charter right now, asked of the policy, in words."""
    return [str(label) for action, label in MAY_DO_NOW if permissions.can(user, action, charter)]


def banner(charter: Charter, user: Any) -> Banner:
    """The current stage, how many stages there are, and what the viewer may do now."""
    # One query for both; the stage it loads is the one the policy then asks about.
    count = (
        sa.select(sa.func.count(Stage.id)).where(Stage.charter_id == charter.id).scalar_subquery()
    )
    row = db.session.execute(
        sa.select(Stage, count).where(
            Stage.charter_id == charter.id, Stage.position == charter.stage_position
        )
    ).first()
    stage, total = (row[0], row[1]) if row else (None, 0)
    if "stage" in sa.inspect(charter).unloaded:
        set_committed_value(charter, "stage", stage)
    return Banner(stage=stage, count=total, may=may_do_now(charter, user))
