"""Two-factor sign-in: a time-based code from an authenticator app (RFC 6238), or one of
ten one-time recovery codes. Required for the roles in TWO_FACTOR_ROLES, optional for
everyone else."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from charter import audit, permissions
from charter.accounts.models import RecoveryCode, User, token_hash
from charter.drafting.models import utcnow
from charter.errors import Conflict, Forbidden, InvalidInput
from charter.extensions import db

ISSUER = "Charter"
RECOVERY_CODES = 10
# A code is accepted one step (30 s) early or late: phones' clocks drift.
WINDOW = 1


def required(user: User) -> bool:
    """Whether this person's role may only sign in with a second factor."""
    return user.role in current_app.config["TWO_FACTOR_ROLES"]


def enabled(user: User) -> bool:
    return user.totp_secret is not None


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The QR code of an address, as an SVG data URI (allowed by the page's CSP)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111", light="#fff")


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step a six-digit code belongs to (now, or one step either side), if it was
    not used already (steps up to `after` are spent)."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for step in range(now - WINDOW, now + WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_code() -> str:
    """Ten hexadecimal digits (40 random bits) in two groups: "3f9a1-c07e2"."""
    digits = secrets.token_hex(5)
    return f"{digits[:5]}-{digits[5:]}"


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones, shown once (hashes stored)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _index in range(RECOVERY_CODES)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=token_hash(_normalise(code))) for code in codes
    )
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on, once a code from the app proves it was set up; returns
    the recovery codes to show once."""
    step = _matching_step(secret, _normalise(code), None)
    if step is None:
        raise InvalidInput(
            _("This code does not match. Check the app's clock and type the newest code."),
            field="code",
        )
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record(user, "user.two_factor_on", user, after="two-factor sign-in on")
    return codes


def check(user: User, code: str) -> bool:
    """Whether a code from the app, or an unused recovery code, proves the second factor.
    Each is accepted once: a code seen on someone's screen cannot be replayed."""
    code = _normalise(code)
    if not enabled(user) or not code:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return True
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == token_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if spent.rowcount:
        audit.record(user, "user.recovery_code_used", user, after="recovery code used")
        return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def renew_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), proven by a current code."""
    if not check(user, code):
        raise InvalidInput(_("This code is wrong or was already used."), field="code")
    codes = _new_recovery_codes(user)
    audit.record(user, "user.recovery_codes_renewed", user, after="new recovery codes")
    return codes


def disable(user: User, code: str) -> None:
    """Turn two-factor sign-in off (not for the roles that need it), proven by a code."""
    if required(user):
        raise InvalidInput(_("Your role needs two-factor sign-in: it cannot be turned off."))
    if not check(user, code):
        raise InvalidInput(_("This code is wrong or was already used."), field="code")
    _turn_off(user)
    audit.record(user, "user.two_factor_off", user, after="two-factor sign-in off")


def reset(actor: User, user: User) -> None:
    """The secretariat or an administrator turns someone's second factor off (a lost phone
    and lost codes); their sessions end, and a role that needs it sets it up again at the
    next sign-in. Only an administrator resets an administrator's."""
    if not permissions.may_manage(actor, user):
        raise Forbidden(_("Only an administrator may change an administrator's account."))
    if actor.id == user.id:
        raise Conflict(_("Turn your own two-factor sign-in off on your account page."))
    _turn_off(user)
    user.session_epoch += 1
    audit.record(actor, "user.two_factor_reset", user, after="two-factor sign-in reset")


def _turn_off(user: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
