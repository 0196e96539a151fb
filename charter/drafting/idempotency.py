"""A merge asked for twice is made once.

The merge page carries a key made when it is shown; an API caller may send one in the
Idempotency-Key header. The version a merge creates keeps its key (a unique column), so the
same key again — a double click, a browser or client retrying after a timeout, on any host,
after any restart — answers that version instead of merging again or reporting a conflict.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _

from charter.accounts.models import User
from charter.amendments.models import Amendment
from charter.drafting.models import Charter, Version, VersionOrigin
from charter.errors import Conflict, DomainError
from charter.extensions import db

MAX_KEY = 64
KEY = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_KEY}}}")


class MergedAlready(Exception):
    """The merge was made already by a request with the same key: nothing is done again."""

    def __init__(self, version: Version) -> None:
        super().__init__(f"merged already as version {version.number}")
        self.version = version


def new_key() -> str:
    """A key for one showing of the merge page."""
    return secrets.token_urlsafe(24)


def checked(key: str | None) -> str | None:
    """The key as sent (None when there is none); refused when it is not one we could keep."""
    if not key:
        return None
    if not KEY.fullmatch(key):
        raise DomainError(
            _(
                "The merge key of this request is not valid (1 to 64 letters, digits, “-” or "
                "“_”): nothing was merged."
            )
        )
    return key


def earlier_merge(
    actor: User, charter: Charter, numbers: Sequence[int], key: str
) -> Version | None:
    """The version a merge with this key made already, if it is this same merge (by actor,
    of these amendments of charter); a conflict when the key made another one."""
    found = db.session.execute(
        sa.select(Version, VersionOrigin.actor_id)
        .join(VersionOrigin, VersionOrigin.version_id == Version.id)
        .where(Version.idempotency_key == key)
    ).one_or_none()
    if found is None:
        return None
    version, actor_id = found
    merged = set(
        db.session.scalars(
            sa.select(Amendment.number).where(Amendment.merged_version_id == version.id)
        )
    )
    if version.charter_id != charter.id or actor_id != actor.id or merged != set(numbers):
        raise Conflict(
            _("This merge key was used already for a different merge: review the draft again.")
        )
    return version
