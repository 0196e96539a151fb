"""A section's translation: written once, replaced by a newer one, never changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from charter.database import AppendOnly
from charter.drafting.models import utcnow
from charter.extensions import db


class SectionTranslation(AppendOnly, db.Model):
    """A section of a charter in another language, made from one source text.

    The source is kept by hash (the body, in section_text) and heading, so a later version
    can tell whether the translation still says what its section says.
    """

    __tablename__ = "section_translation"
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    language: Mapped[str] = mapped_column(String(8))
    section_key: Mapped[str] = mapped_column(String(80))
    version_number: Mapped[int]  # the version it was made for
    source_heading: Mapped[str] = mapped_column(String(300))
    source_hash: Mapped[str] = mapped_column(ForeignKey("section_text.hash"))
    heading: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    translator_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "charter_id", "language", "section_key"),)
