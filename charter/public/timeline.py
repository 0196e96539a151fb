"""The timeline of a charter's process: stage moves, versions made and published, and the
Executive Bureau's decisions, in date order. Versions (and decisions on them) appear only
to those who may see them: the public sees the published ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, render_template

from charter.drafting import queries
from charter.drafting.models import BureauDecision, Charter
from charter.extensions import db
from charter.permissions import authorize, can, current_user_or_none
from charter.process import services as process
from charter.public.views import bp

AT_ONCE = timedelta(minutes=1)
# Of things recorded in the same second, the order they happen in.
_ORDER = {"created": 0, "made_published": 0, "published": 1, "decision": 2, "stage": 3}


@dataclass(frozen=True)
class Moment:
    """One thing that happened: kind is "stage", "created", "published", "made_published"
    (both at once) or "decision"."""

    at: datetime
    kind: str
    ident: str  # the fragment identifier of the entry on the page
    version: queries.VersionInfo | None = None
    previous: int | None = None  # the visible version before, to compare with
    event: Any = None  # a StageEvent
    decision: BureauDecision | None = None

    @property
    def order(self) -> tuple[datetime, int, str]:
        return (self.at, _ORDER[self.kind], self.ident)


def moments(charter: Charter, user: Any) -> list[Moment]:
    """What happened in the charter's process that user may see, oldest first."""
    versions = list(reversed(queries.visible_versions(charter, user)))
    found: list[Moment] = []
    previous = None
    for version in versions:
        # Published as it was made (an import, a demo): one entry says both.
        at_once = version.published_at is not None and (
            version.published_at - version.created_at <= AT_ONCE
        )
        found.append(
            Moment(
                version.created_at,
                "made_published" if at_once else "created",
                f"version-{version.number}",
                version=version,
                previous=previous,
            )
        )
        if version.published_at is not None and not at_once:
            found.append(
                Moment(
                    version.published_at,
                    "published",
                    f"published-{version.number}",
                    version=version,
                )
            )
        previous = version.number
    by_id = {version.id: version for version in versions}
    if by_id:
        for decision in db.session.scalars(
            sa.select(BureauDecision).where(BureauDecision.version_id.in_(list(by_id)))
        ):
            found.append(
                Moment(
                    decision.decided_at,
                    "decision",
                    f"decision-{decision.id}",
                    version=by_id[decision.version_id],
                    decision=decision,
                )
            )
    for event in process.events_of(charter):
        found.append(Moment(event.at, "stage", f"stage-event-{event.id}", event=event))
    return sorted(found, key=lambda moment: moment.order)


@bp.get("/charters/<slug>/timeline")
def timeline(slug: str):
    """The charter's process, step by step."""
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    if queries.latest_visible(charter, user) is None and not can(user, "manage_stages", charter):
        abort(404)
    return render_template(
        "public/timeline.html",
        charter=charter,
        moments=moments(charter, user),
        names={stage.position: stage.name for stage in process.stages_of(charter)},
    )
