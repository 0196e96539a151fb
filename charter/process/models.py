"""Stages of a charter's process."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from charter.extensions import db

# What a stage may open. "edit" lets the secretariat review, merge and edit the draft.
CAPABILITIES = ("comment", "answer", "propose", "edit")

# The default process of DESIGN.md: name, description, what it opens.
DEFAULT_STAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Drafting", "The secretariat prepares the draft proposal; nothing is public.", ("edit",)),
    (
        "Partner consultation",
        "Partners, sherpas and advisors comment on the draft and answer the guiding questions.",
        ("comment", "answer", "edit"),
    ),
    (
        "Policy Council session",
        "Sherpas and advisors propose and co-sign amendments.",
        ("comment", "answer", "propose", "edit"),
    ),
    (
        "Executive Bureau",
        "Amendments are closed; the secretariat reviews, merges and submits a consolidated text.",
        ("edit",),
    ),
    ("Launch", "The adopted charter is published and read-only.", ()),
)


class Stage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    opens: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("charter_id", "position"),)

    def allows(self, capability: str) -> bool:
        """True when this stage opens the capability (comment, answer, propose, edit)."""
        return capability in self.opens.split(",")

    def __repr__(self) -> str:
        return f"<Stage {self.position} {self.name}>"
