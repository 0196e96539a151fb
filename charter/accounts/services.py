"""Account use cases: users, councils, sign-in, invitations and password resets."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from charter import audit, mail, permissions
from charter.accounts import forms, passwords
from charter.accounts.models import (
    ROLES,
    Council,
    Invitation,
    Notification,
    PasswordReset,
    User,
    new_token,
    token_hash,
)
from charter.drafting.models import Charter, utcnow
from charter.errors import Conflict, Forbidden, InvalidInput
from charter.extensions import db

# Checked against when the e-mail is unknown, so a wrong address costs as much as a
# wrong password and timing does not tell whether an account exists.
_DUMMY_HASH = generate_password_hash("not a password of anybody", method="scrypt")


def normalise_email(email: str) -> str:
    """The canonical form of an address, or InvalidInput."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput(_("“%(email)s” is not a valid e-mail address.", email=email)) from error


def check_password(password: str) -> None:
    """Refuse a weak password, saying why."""
    reason = passwords.weakness(password)
    if reason == "short":
        raise InvalidInput(_("Use at least %(count)d characters.", count=passwords.MIN_LENGTH))
    if reason == "common":
        raise InvalidInput(_("This password is among the most common ones: choose another."))


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(_("Unknown role “%(role)s”.", role=role))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    role: str,
    *,
    password: str | None = None,
    display_name: str = "",
    councils: Sequence[Council] = (),
    organisation: str = "",
    country: str = "",
    region: str = "",
    language: str | None = None,
    actor: User | None = None,
) -> User:
    """A new account; actor is who creates it (None: the command line)."""
    user = _new_user(
        email,
        role,
        password,
        display_name,
        councils,
        organisation=organisation,
        country=country,
        region=region,
        language=language,
    )
    audit.record(actor, "user.create", user, after=_account_summary(user))
    return user


def _account_summary(user: User) -> str:
    summary = f"{user.email}, {user.role}"
    if user.councils:
        summary += ", " + _council_names(user.councils)
    return summary


def _council_names(councils: Sequence[Council]) -> str:
    return ", ".join(sorted(council.name for council in councils)) or "none"


def _new_user(
    email: str,
    role: str,
    password: str | None,
    display_name: str,
    councils: Sequence[Council],
    **details: str,
) -> User:
    """The account, unaudited: its callers say who created it."""
    email = normalise_email(email)
    check_role(role)
    if user_by_email(email) is not None:
        raise Conflict(_("An account with this e-mail address exists already."))
    user = User(
        email=email,
        role=role,
        display_name=display_name.strip() or email.split("@")[0],
        councils=list(councils),
        active=True,
        session_epoch=0,
        **{"organisation": "", "country": "", "region": "", "language": None, **details},
    )
    if password is not None:
        check_password(password)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (whatever was wrong)."""
    user = user_by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of the user."""
    user.session_epoch += 1


# Invitations -------------------------------------------------------------------------


def invite(
    actor: User, email: str, role: str, councils: Sequence[Council] = (), display_name: str = ""
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its one-time token."""
    email = normalise_email(email)
    check_role(role)
    if not permissions.may_grant(actor, role):
        raise Forbidden(_("You may not give the role “%(role)s”.", role=role))
    if user_by_email(email) is not None:
        raise Conflict(_("%(email)s has an account already.", email=email))
    for earlier in db.session.scalars(
        sa.select(Invitation).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        earlier.revoked_at = utcnow()  # a new invitation replaces any earlier link
        audit.record(
            actor, "invitation.revoke", earlier, before="pending", after="replaced by a new one"
        )
    token, hashed = new_token()
    invitation = Invitation(
        email=email,
        role=role,
        display_name=display_name.strip(),
        councils=list(councils),
        token_hash=hashed,
        invited_by=actor,
        expires_at=utcnow() + Invitation.VALID_FOR,
    )
    db.session.add(invitation)
    db.session.flush()
    after = f"{email}, {role}"
    if invitation.councils:
        after += ", " + _council_names(invitation.councils)
    audit.record(actor, "invitation.send", invitation, after=after)
    return invitation, token


def send_invitation(invitation: Invitation, token: str) -> None:
    """E-mail the invitation link."""
    link = url_for("accounts.accept_invitation", token=token, _external=True)
    councils = ", ".join(council.name for council in invitation.councils)
    inviter = invitation.invited_by.display_name if invitation.invited_by else _("The secretariat")
    body = _(
        "%(inviter)s invites you to take part in drafting charters on Charter, as %(role)s.",
        inviter=inviter,
        role=str(dict(forms.role_labels()).get(invitation.role, invitation.role)),
    )
    if councils:
        body += "\n" + _("Your Policy Councils: %(councils)s.", councils=councils)
    body += "\n\n" + _("Choose your password here (the link works once, for 7 days):")
    body += f"\n{link}\n"
    mail.send(invitation.email, _("Your invitation to Charter"), body)


def pending_invitation(token: str) -> Invitation | None:
    """The invitation this token opens, if it is still pending."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    return invitation if invitation is not None and invitation.pending else None


def accept_invitation(
    token: str, password: str, display_name: str = "", language: str | None = None
) -> User:
    """Create the invited account with its password; the link then stops working.

    The account speaks the language the invitation page was read in."""
    invitation = pending_invitation(token)
    if invitation is None:
        raise Conflict(_("This invitation link is not valid any more."))
    check_password(password)
    user = _new_user(
        invitation.email,
        invitation.role,
        password,
        display_name or invitation.display_name,
        invitation.councils,
        language=language,
    )
    invitation.accepted_at = utcnow()
    # The new member creates their own account by accepting.
    audit.record(user, "user.create", user, after=_account_summary(user) + ", by invitation")
    audit.record(user, "invitation.accept", invitation, before="pending", after="accepted")
    return user


def revoke_invitation(invitation: Invitation, *, actor: User | None = None) -> None:
    """Cancel a pending invitation: its link stops working."""
    if not invitation.pending:
        raise Conflict(_("This invitation is not pending any more."))
    invitation.revoked_at = utcnow()
    audit.record(actor, "invitation.revoke", invitation, before="pending", after="revoked")


# Password resets ---------------------------------------------------------------------


def request_password_reset(email: str) -> tuple[User, str] | None:
    """A reset link for the active account with this address: (user, token); None otherwise.

    The caller commits, then mails it with send_reset: no link goes out that the database
    does not hold.
    """
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    user = user_by_email(email)
    if user is None or not user.active:
        return None
    token, hashed = new_token()
    db.session.add(
        PasswordReset(user=user, token_hash=hashed, expires_at=utcnow() + PasswordReset.VALID_FOR)
    )
    # Asked by someone not signed in: no actor. Never the link or its token.
    audit.record(None, "user.password_reset_request", user, after="reset link sent")
    db.session.flush()
    return user, token


def send_reset(user: User, token: str) -> None:
    """E-mail a password reset link."""
    link = url_for("accounts.reset_password", token=token, _external=True)
    body = _("Someone asked to reset the password of your Charter account.")
    body += "\n\n" + _("Choose a new password here (the link works once, for 2 hours):")
    body += f"\n{link}\n\n" + _("If it was not you, ignore this message: nothing changes.")
    mail.send(user.email, _("Reset your Charter password"), body)


def usable_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(
        sa.select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    )
    if reset is None or not reset.usable or not reset.user.active:
        return None
    return reset


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link; every other session and reset link ends."""
    reset = usable_reset(token)
    if reset is None:
        raise Conflict(_("This reset link is not valid any more."))
    check_password(password)
    reset.user.set_password(password)
    _end_resets(reset.user_id)
    audit.record(reset.user, "user.password_reset", reset.user, after="password changed")
    return reset.user


# Managing people and councils ----------------------------------------------------------


def update_user(
    actor: User,
    user: User,
    *,
    role: str,
    councils: Sequence[Council],
    active: bool,
    translator: bool | None = None,
) -> None:
    """Change someone's role, councils, active flag or translator flag (None: unchanged)."""
    check_role(role)
    if user.role != role and not (
        permissions.may_grant(actor, role) and permissions.may_grant(actor, user.role)
    ):
        raise Forbidden(_("You may not give or take the role “%(role)s”.", role=role))
    if not permissions.may_manage(actor, user):
        raise Forbidden(_("Only an administrator may change an administrator's account."))
    if user.id == actor.id and (not active or role != user.role):
        raise Conflict(_("You cannot change your own role or deactivate yourself."))
    if user.active and not active:
        end_sessions(user)
    if role != user.role:
        audit.record(actor, "user.role_change", user, before=user.role, after=role)
    if {council.id for council in councils} != {council.id for council in user.councils}:
        audit.record(
            actor,
            "user.councils_change",
            user,
            before=_council_names(user.councils),
            after=_council_names(councils),
        )
    if active != user.active:
        action = "user.reactivate" if active else "user.deactivate"
        before, after = ("inactive", "active") if active else ("active", "inactive")
        audit.record(actor, action, user, before=before, after=after)
    if translator is not None and translator != user.translator:
        action = "user.translator_grant" if translator else "user.translator_revoke"
        audit.record(actor, action, user, before=str(user.translator), after=str(translator))
        user.translator = translator
    user.role = role
    user.councils = list(councils)
    user.active = active


def update_profile(
    user: User,
    *,
    display_name: str,
    language: str | None,
    organisation: str,
    country: str,
    region: str,
) -> None:
    """A user's own details."""
    if not display_name.strip():
        raise InvalidInput(_("Your name cannot be empty."))
    before = _profile(user)
    user.display_name = display_name.strip()
    if language and language not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_("This language is not offered."))
    user.language = language or None  # None: as the browser asks
    user.organisation = organisation.strip()
    user.country = country.strip()
    user.region = region.strip()
    before_summary, after_summary = audit.differences(before, _profile(user))
    if after_summary:
        audit.record(user, "user.profile_change", user, before=before_summary, after=after_summary)


def choose_language(user: User, language: str) -> None:
    """The language the site speaks to a user, on every device they sign in from."""
    if language not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_("This language is not offered."))
    if language != user.language:
        before = _profile(user)
        user.language = language
        before_summary, after_summary = audit.differences(before, _profile(user))
        audit.record(user, "user.profile_change", user, before=before_summary, after=after_summary)


def _profile(user: User) -> dict[str, str]:
    return {
        "name": user.display_name,
        "language": user.language or "",
        "organisation": user.organisation,
        "country": user.country,
        "region": user.region,
    }


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password, proving the current one; pending reset links stop working."""
    if not user.check_password(current):
        raise InvalidInput(_("Your current password is wrong."))
    check_password(new)
    user.set_password(new)
    _end_resets(user.id)
    audit.record(user, "user.password_change", user, after="password changed")


def _end_resets(user_id: int) -> None:
    # A link mailed earlier would let its holder replace the password just chosen.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )


# Notifications ---------------------------------------------------------------------------


def notifications_of(user: User, limit: int = 50) -> list[Notification]:
    """The user's latest notifications, newest first."""
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(user: User) -> int:
    """Mark the user's notifications read; how many were unread."""
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount


def create_council(
    charter: Charter, name: str, description: str = "", *, actor: User | None = None
) -> Council:
    """A new Policy Council of a charter."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("A council needs a name."))
    exists = db.session.scalar(
        sa.select(Council.id).where(Council.charter_id == charter.id, Council.name == name)
    )
    if exists is not None:
        raise Conflict(_("This charter has a council named “%(name)s” already.", name=name))
    council = Council(charter=charter, name=name, description=description.strip())
    db.session.add(council)
    db.session.flush()
    audit.record(actor, "council.create", council, after=name)
    return council


def update_council(
    council: Council, name: str, description: str, *, actor: User | None = None
) -> None:
    """Rename a council or change its description."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("A council needs a name."))
    clash = db.session.scalar(
        sa.select(Council.id).where(
            Council.charter_id == council.charter_id, Council.name == name, Council.id != council.id
        )
    )
    if clash is not None:
        raise Conflict(_("This charter has a council named “%(name)s” already.", name=name))
    if name != council.name:
        audit.record(actor, "council.rename", council, before=council.name, after=name)
    if description.strip() != council.description:
        audit.record(
            actor,
            "council.describe",
            council,
            before=audit.shorten(council.description),
            after=audit.shorten(description.strip()),
        )
    council.name = name
    council.description = description.strip()


def find_council(reference: str) -> Council:
    """A council by name, or by "charter-slug:name" when several charters share the name."""
    slug, _sep, name = reference.rpartition(":")
    query = sa.select(Council).where(Council.name == name.strip())
    if slug:
        query = query.join(Charter).where(Charter.slug == slug.strip())
    found = list(db.session.scalars(query))
    if not found:
        raise InvalidInput(_("Unknown council “%(name)s”.", name=reference))
    if len(found) > 1:
        raise InvalidInput(
            _("Several charters have a council “%(name)s”: write charter-slug:name.", name=name)
        )
    return found[0]
