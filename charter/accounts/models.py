"""Users, Policy Councils and the one-time tokens of invitations and password resets."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from charter.drafting.models import Charter, utcnow
from charter.extensions import db

ROLES = ("partner", "sherpa", "advisor", "secretariat", "admin")

council_membership = Table(
    "council_membership",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("council_id", ForeignKey("council.id", ondelete="CASCADE"), primary_key=True),
)

invitation_council = Table(
    "invitation_council",
    db.metadata,
    Column("invitation_id", ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True),
    Column("council_id", ForeignKey("council.id", ondelete="CASCADE"), primary_key=True),
)


class Council(db.Model):
    """A Policy Council of one charter's process; its members are sherpas and advisors."""

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")

    charter: Mapped[Charter] = relationship()
    members: Mapped[list[User]] = relationship(
        secondary=council_membership, back_populates="councils", order_by="User.display_name"
    )

    __table_args__ = (UniqueConstraint("charter_id", "name"),)

    def __repr__(self) -> str:
        return f"<Council {self.name}>"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    # The language the site speaks to them; None: whatever their browser asks.
    language: Mapped[str | None] = mapped_column(String(8))
    # How notifications reach this person by e-mail: each, daily (a digest) or never.
    email_notifications: Mapped[str] = mapped_column(
        String(10), default="each", server_default="each"
    )
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    translator: Mapped[bool] = mapped_column(default=False)  # may translate charter texts
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped on sign-out, password change and deactivation: older sessions stop working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    # Two-factor sign-in: the TOTP secret once confirmed (base32), and the last time step a
    # code was accepted for, so that one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    councils: Mapped[list[Council]] = relationship(
        secondary=council_membership, back_populates="members", order_by="Council.name"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def set_password(self, password: str) -> None:
        """Store a scrypt hash of the password; sessions made with the old one end."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_epoch += 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def council_ids(self, charter_id: int) -> set[int]:
        """The councils of one charter this user belongs to."""
        return {council.id for council in self.councils if council.charter_id == charter_id}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


def new_token() -> tuple[str, str]:
    """A random URL-safe token and the SHA-256 hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(db.Model):
    """An invitation by e-mail: whoever holds the link may create this account once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    councils: Mapped[list[Council]] = relationship(
        secondary=invitation_council, order_by="Council.name"
    )
    invited_by: Mapped[User | None] = relationship()

    VALID_FOR = timedelta(days=7)

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.expired

    @property
    def expired(self) -> bool:
        return utcnow() >= self.expires_at


class PasswordReset(db.Model):
    """A one-time password reset link."""

    __tablename__ = "password_reset"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    VALID_FOR = timedelta(hours=2)

    @property
    def usable(self) -> bool:
        return self.used_at is None and utcnow() < self.expires_at


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (its SHA-256 is stored)."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class Notification(db.Model):
    """Something that happened which a user should know about (in-app list)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)  # in English, as it was written
    # The message id and its JSON parameters, translated when read (charter.notices).
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def shown(self) -> str:
        """The notification in the reader's language."""
        from charter.notices import shown

        return shown(self.text, self.message, self.params)

    # Set once the notification went out by e-mail, alone or in a digest.
    emailed_at: Mapped[datetime | None]
