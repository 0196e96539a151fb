"""What the management operations (charter.api.manage, .drafting, .admin) accept and answer.

Named as in charter.api.requests (…Body, …Result), with its types: lengths the services
do not check themselves (the pages' forms did) are bounded here, and no text holds NUL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from charter.api.core import Schema
from charter.api.requests import MAX_ITEMS, Id, OperationBody, Text
from charter.api.schemas import SectionChangeOut

Line = Text(1_000)  # a name or heading (the services hold the real limits)
Note = Text(10_000)  # a reason or a note
Capability = Literal["comment", "answer", "propose", "edit"]
Role = Literal["partner", "sherpa", "advisor", "secretariat", "admin"]


# Comments ---------------------------------------------------------------------------------


class FlagBody(Schema):
    reason: Note = Field("", description="Optional: what is wrong with the comment.")


class HideBody(Schema):
    reason: Note = Field(description="Shown to everyone in place of the hidden comment.")


class CommentEditBody(Schema):
    body: Text(50_000) = Field(description="Markdown.")


class CommentStateResult(Schema):
    id: int
    state: Literal["live", "hidden", "deleted"]
    hidden_reason: str | None
    open_flags: int | None = Field(description="Flags not yet dealt with (moderators only).")
    edited_at: datetime | None
    url: str


class FlagResult(Schema):
    comment: int
    reason: str


# Guiding questions and themes -------------------------------------------------------------


class QuestionBody(Schema):
    text: Text(20_000) = Field(description="Markdown.")
    stage: Id | None = Field(
        None, description="The position of the only stage it takes answers in; null: any."
    )


class QuestionEditBody(Schema):
    """The fields left out stay as they are."""

    text: Text(20_000) | None = None
    stage: Id | None = Field(None, description="A stage position; null: any stage.")


class QuestionMoveBody(Schema):
    direction: Literal["up", "down"] | None = None
    position: Id | None = Field(None, description="Where it goes: 1 is first.")

    @model_validator(mode="after")
    def _one_of(self) -> QuestionMoveBody:
        if (self.direction is None) == (self.position is None):
            raise ValueError("give either direction or position")
        return self


class QuestionResult(Schema):
    id: int
    position: int
    text: str
    open: bool
    stage: int | None = Field(description="The position of the only stage it is answered in.")
    url: str


class ThemeBody(Schema):
    name: Line


class ThemeResult(Schema):
    id: int
    name: str


# Stages -----------------------------------------------------------------------------------


class StepBackBody(Schema):
    expected_position: Id = Field(
        description="The current stage's position, as the caller saw it; 409 when it moved."
    )
    note: Note = Field("", description="Why: shown on the stages page.")


class StageEditBody(Schema):
    """The fields left out stay as they are; a null date clears it. Dates are UTC."""

    name: Line | None = None
    description: Note | None = None
    capabilities: list[Capability] | None = Field(
        None, max_length=10, description="What the stage opens."
    )
    opens_at: datetime | None = None
    closes_at: datetime | None = None


class StageSettingsResult(Schema):
    position: int
    name: str
    description: str
    capabilities: list[str]
    opens_at: datetime | None
    closes_at: datetime | None


# Drafting ---------------------------------------------------------------------------------


class DecisionBody(Schema):
    decision: Literal["adopted", "returned"]
    note: Note = Field("", description="Required when the text is returned.")


class DecisionResult(Schema):
    id: int
    version: int
    decision: str
    note: str
    decided_at: datetime


class DraftEditBody(Schema):
    operations: list[OperationBody] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Usually one: the page makes one."
    )
    note: Note = Field(description="For the changelog: what changed and why.")
    expected_head: Id = Field(
        description="The draft version the edit was made on; 409 when it is not the head any more."
    )


class PreviewBody(Schema):
    operations: list[OperationBody] = Field(min_length=1, max_length=MAX_ITEMS)


class PreviewResult(Schema):
    head: int = Field(description="The draft version the changes were applied to.")
    sections: list[SectionChangeOut] = Field(description="The sections that would change.")


# Translations and follows -----------------------------------------------------------------


class TranslationBody(Schema):
    heading: Line = Field("", description="Required when the source section has one.")
    body: Text(200_000) = Field(description="Markdown, as in the source.")


class TranslationResult(Schema):
    language: str
    key: str
    version: int
    heading: str
    url: str


class FollowTarget(Schema):
    kind: Literal["section", "amendment", "question"]
    ref: Text(80, min_length=1) = Field(
        description="A section key, an amendment number or a question id."
    )


class FollowResult(Schema):
    kind: str
    ref: str
    following: bool
    url: str


# Administration ---------------------------------------------------------------------------


class UserEditBody(Schema):
    """The fields left out stay as they are."""

    role: Role | None = None
    councils: list[Id] | None = Field(None, max_length=500, description="Ids: all of them.")
    active: bool | None = None
    translator: bool | None = None


class UserResult(Schema):
    id: int
    email: str
    display_name: str
    role: str
    councils: list[int]
    active: bool
    translator: bool
    url: str


class InvitationBody(Schema):
    email: Text(254, min_length=1)
    role: Role
    councils: list[Id] = Field([], max_length=500)
    display_name: Text(120) = ""


class InvitationResult(Schema):
    id: int
    email: str
    role: str
    councils: list[int]
    state: Literal["pending", "accepted", "revoked", "expired"]
    expires_at: datetime
    mailed: bool | None = Field(None, description="Whether the e-mail went out (on creation).")
    link: str | None = Field(
        None, description="The acceptance link, only when the e-mail could not be sent."
    )


class CouncilBody(Schema):
    charter: Text(80, min_length=1) = Field(description="The charter's short name (slug).")
    name: Text(120)
    description: Text(2_000) = ""


class CouncilEditBody(Schema):
    """The fields left out stay as they are."""

    name: Text(120) | None = None
    description: Text(2_000) | None = None


class CouncilResult(Schema):
    id: int
    charter: str
    name: str
    description: str
