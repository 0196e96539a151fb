"""The policy: who may do what, in which stage. Views, templates and the API ask here only.

One table maps each action to the roles that may perform it, the capability the charter's
current stage must open for it (comment, answer, propose, edit), and whether sherpas and
advisors must belong to one of the charter's Policy Councils.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from charter.errors import Conflict, Forbidden

ROLES = ("public", "partner", "sherpa", "advisor", "secretariat", "admin")
COUNCIL_ROLES = frozenset({"sherpa", "advisor"})
PARTICIPANTS = frozenset({"partner", "sherpa", "advisor", "secretariat"})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    stage: str | None = None  # the capability the current stage must open
    member: bool = False  # sherpas and advisors must sit on a council of the charter
    author: bool | None = None  # True: only the target's author; False: anyone but them
    private_drafts: bool = False  # a target still in draft is its author's alone
    flag: str | None = None  # a user attribute that grants the action to any member too


POLICY: dict[str, Rule] = {
    "read_published": Rule(frozenset(ROLES)),
    "read_draft": Rule(COUNCIL_ROLES | {"secretariat"}, member=True),
    "comment": Rule(PARTICIPANTS, stage="comment"),
    "answer_question": Rule(PARTICIPANTS, stage="answer"),
    "propose_amendment": Rule(COUNCIL_ROLES | {"secretariat"}, stage="propose", member=True),
    "read_amendment": Rule(COUNCIL_ROLES | {"secretariat"}, member=True, private_drafts=True),
    "edit_amendment": Rule(
        COUNCIL_ROLES | {"secretariat"}, stage="propose", member=True, author=True
    ),
    "withdraw_amendment": Rule(COUNCIL_ROLES | {"secretariat"}, member=True, author=True),
    "endorse_amendment": Rule(COUNCIL_ROLES, stage="propose", member=True, author=False),
    "discuss_amendment": Rule(COUNCIL_ROLES | {"secretariat"}, stage="comment", member=True),
    "review_amendment": Rule(frozenset({"secretariat"}), stage="edit"),
    "merge": Rule(frozenset({"secretariat"}), stage="edit"),
    "edit_draft": Rule(frozenset({"secretariat"}), stage="edit"),
    "publish": Rule(frozenset({"secretariat"})),
    "advance_stage": Rule(frozenset({"secretariat"})),
    "manage_stages": Rule(frozenset({"secretariat"})),
    "record_decision": Rule(frozenset({"secretariat"})),
    "read_dossier": Rule(frozenset({"secretariat"})),
    "read_audit": Rule(frozenset({"secretariat", "admin"})),
    "moderate": Rule(frozenset({"secretariat"})),
    "flag": Rule(frozenset(ROLES) - {"public"}),
    "follow": Rule(frozenset(ROLES) - {"public"}),
    "manage_questions": Rule(frozenset({"secretariat"})),
    "manage_themes": Rule(frozenset({"secretariat"})),
    "manage_webhooks": Rule(frozenset({"secretariat"})),
    "translate": Rule(frozenset({"secretariat"}), flag="translator"),
    "manage_users": Rule(frozenset({"secretariat", "admin"})),
    "manage_admins": Rule(frozenset({"admin"})),
    "manage_councils": Rule(frozenset({"secretariat", "admin"})),
}


def role_of(user: Any) -> str:
    """The role a user acts in: anyone not signed in, or deactivated, is the public."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return "public"
    return user.role


def _charter_of(target: Any) -> Any:
    if target is None:
        return None
    if hasattr(target, "stage_position"):
        return target
    return getattr(target, "charter", None)


def can(user: Any, action: str, target: Any = None) -> bool:
    """True when user may perform action on target (a charter, or a thing of a charter).

    Without a target, stage and council conditions are not checked: the answer says
    whether the role may ever do this (e.g. to show a menu entry).
    """
    return _allowed(user, action, target, stage=True)


def _allowed(user: Any, action: str, target: Any, *, stage: bool) -> bool:
    """The policy; with stage=False, what the answer would be if the stage opened the action."""
    rule = POLICY[action]
    role = role_of(user)
    flagged = rule.flag is not None and role != "public" and getattr(user, rule.flag, False)
    if role not in rule.roles and not flagged:
        return False
    if rule.author is not None or rule.private_drafts:
        author_id = getattr(target, "author_id", None)
        is_author = author_id is not None and author_id == user.id
        if rule.author is not None and is_author != rule.author:
            return False
        if rule.private_drafts and getattr(target, "state", None) == "draft" and not is_author:
            return False
    charter = _charter_of(target)
    if charter is None:
        return True
    if stage and rule.stage is not None:
        current = charter.stage
        if current is None or not current.allows(rule.stage):
            return False
    if rule.member and role in COUNCIL_ROLES:
        return bool(user.council_ids(charter.id))
    return True


# What a stage-bound action is called when the stage keeps it closed.
STAGE_BOUND_ACTIONS = {
    "comment": _l("Commenting"),
    "answer_question": _l("Answering the guiding questions"),
    "propose_amendment": _l("Proposing amendments"),
    "edit_amendment": _l("Editing amendments"),
    "endorse_amendment": _l("Co-signing amendments"),
    "discuss_amendment": _l("Discussing amendments"),
    "review_amendment": _l("Reviewing amendments"),
    "merge": _l("Merging amendments"),
    "edit_draft": _l("Editing the draft"),
}


def closed_message(action: str, target: Any) -> str:
    """Why the charter's current stage keeps action closed, naming the stage."""
    what = str(STAGE_BOUND_ACTIONS.get(action, _l("This action")))
    charter = _charter_of(target)
    stage = charter.stage if charter is not None else None
    if stage is None:
        return _("%(what)s is not open: the charter has no current stage.", what=what)
    if POLICY[action].stage in stage.capabilities and stage.not_yet_open():
        return _(
            "%(what)s opens on %(date)s in the current stage (%(stage)s).",
            what=what,
            date=format_datetime(stage.opens_at, "medium"),
            stage=stage.name,
        )
    if POLICY[action].stage in stage.capabilities and stage.closed():
        return _(
            "%(what)s closed on %(date)s in the current stage (%(stage)s).",
            what=what,
            date=format_datetime(stage.closes_at, "medium"),
            stage=stage.name,
        )
    return _("%(what)s is not open in the current stage (%(stage)s).", what=what, stage=stage.name)


def require(user: Any, action: str, target: Any = None, message: str | None = None) -> None:
    """For services: raise Forbidden (403, with message) unless user may act, or a Conflict
    (409) naming the stage when the current stage alone keeps the action closed."""
    if can(user, action, target):
        return
    if _closed_by_stage(user, action, target):
        raise Conflict(closed_message(action, target))
    raise Forbidden(message or _("You may not do this."))


def refusal(user: Any, action: str, target: Any = None) -> str | None:
    """Why user may not act, for a page to say in place of a form; None when they may."""
    if can(user, action, target):
        return None
    if _closed_by_stage(user, action, target):
        return closed_message(action, target)
    return _("Your account does not allow this.")


def _closed_by_stage(user: Any, action: str, target: Any) -> bool:
    """Whether the current stage alone keeps user from action (everything else allows it)."""
    return POLICY[action].stage is not None and _allowed(user, action, target, stage=False)


def may_grant(user: Any, role: str) -> bool:
    """Whether user may give someone this role (only admins make admins)."""
    return can(user, "manage_admins") if role == "admin" else can(user, "manage_users")


def may_manage(user: Any, person: Any) -> bool:
    """Whether user may change person's account (only admins change admins' accounts)."""
    return may_grant(user, person.role)


def current_user_or_none() -> Any:
    """The signed-in user, or None."""
    return current_user if current_user and current_user.is_authenticated else None


def authorize(action: str, target: Any = None, *, hide: bool = False) -> None:
    """Abort unless the current user may act: 403, or 404 when the thing must stay hidden.

    Anonymous visitors are sent to sign in (401 handled by Flask-Login) where signing in
    could help. Someone the current stage alone keeps out gets a Conflict (409) that names
    what is closed and the stage.
    """
    user = current_user_or_none()
    if can(user, action, target):
        return
    if _closed_by_stage(user, action, target):
        raise Conflict(closed_message(action, target))
    if user is None and not hide and not can(None, action):
        abort(401)
    abort(404 if hide else 403)


def requires(action: str) -> Callable:
    """View decorator: the current user must be allowed action (no target)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authorize(action)
            return view(*args, **kwargs)

        return wrapper

    return decorator
