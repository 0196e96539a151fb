"""Creating, revoking and checking personal API tokens. Callers commit."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from charter import audit
from charter.accounts.models import User
from charter.api.models import ApiToken
from charter.drafting.models import utcnow
from charter.errors import Conflict, InvalidInput
from charter.extensions import db

PREFIX = "chr_"
MAX_ACTIVE = 20


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for user; returns it with its secret, which is never stored or shown again."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_("Name the token after what will use it."), field="name")
    if len(name) > 80:
        raise InvalidInput(_("A token's name has at most 80 characters."), field="name")
    if len(active_tokens(user)) >= MAX_ACTIVE:
        raise Conflict(_("You have %(num)d tokens already: revoke one first.", num=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, digest=_digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(user, "token.create", token, after=f"{name} ({token.prefix}…)")
    return token, secret


def revoke(user: User, token: ApiToken, *, actor: User | None = None) -> None:
    """Stop a token from working (its owner, or an administrator through actor)."""
    if token.user_id != user.id:
        raise InvalidInput(_("This token is not yours."))
    if token.revoked_at is not None:
        raise Conflict(_("This token is revoked already."))
    token.revoked_at = utcnow()
    audit.record(actor or user, "token.revoke", token, before=f"{token.name} ({token.prefix}…)")


def active_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def user_of(secret: str) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked, or deactivated)."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.digest == _digest(secret), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # At most one write a minute per token: reads stay reads.
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
        )
        db.session.commit()
    return token.user
