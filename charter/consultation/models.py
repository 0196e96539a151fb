"""Themes and guiding questions of a charter's consultation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter.drafting.models import utcnow
from charter.extensions import db


class Theme(db.Model):
    """A tag of a charter's consultation (e.g. availability, housing)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    name: Mapped[str] = mapped_column(String(80))

    __table_args__ = (UniqueConstraint("charter_id", "name"),)


class GuidingQuestion(db.Model):
    """A question the secretariat asks the network about the charter."""

    __tablename__ = "guiding_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
