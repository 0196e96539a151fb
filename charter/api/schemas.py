"""What the API answers and accepts: pydantic models, also the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from charter.amendments.models import State
from charter.api.core import PageQuery, Schema
from charter.urls import MAX_INT


class StageOut(Schema):
    position: int
    name: str
    capabilities: list[str]
    opens_at: datetime | None
    closes_at: datetime | None


class CharterSummary(Schema):
    slug: str
    title: str
    language: str = Field(description="The language the text is written in.")
    url: str
    versions: int = Field(description="How many versions the caller may read.")


class CharterOut(Schema):
    slug: str
    title: str
    summary: str
    language: str
    url: str
    stage: StageOut | None
    latest_published: int | None = Field(description="Number of the latest published version.")
    head: int | None = Field(
        description="Number of the newest version the caller may read (the draft head for "
        "those who may read drafts)."
    )
    translations: list[str] = Field(description="Languages with translated sections.")


# Versions and their texts -----------------------------------------------------------------

DiffOp = tuple[Literal[-1, 0, 1], str]  # (delete | equal | insert, text), diff-match-patch's


class VersionSummary(Schema):
    number: int
    published: bool
    published_at: datetime | None
    created_at: datetime
    note: str
    author: str
    digest: str = Field(description="sha256 over the sections, the metadata and parent_hash.")
    parent_hash: str | None = Field(description="The digest of the version before.")


class SectionTranslationOut(Schema):
    status: Literal["current", "outdated", "missing"] = Field(
        description="current: made from this very text; outdated: made from an earlier text "
        "of the section; missing: none (read the source)."
    )
    heading: str | None
    body: str | None
    made_for_version: int | None


class SectionOut(Schema):
    key: str = Field(description="Stable across versions, moves and renames.")
    level: int = Field(description="Heading level, 0 for the preamble.")
    heading: str
    body: str = Field(description="Markdown.")
    text_hash: str = Field(description="sha256 of the UTF-8 body.")
    translation: SectionTranslationOut | None = Field(
        description="With ?lang= other than the text's own language; else null."
    )


class VersionOut(VersionSummary):
    language: str = Field(description="The language the sections are written in.")
    translation_language: str | None
    sections: list[SectionOut]


class SectionChangeOut(Schema):
    key: str
    kind: Literal["added", "deleted", "modified", "unchanged"] = Field(
        description="What happened to the body; moved and renamed say the rest."
    )
    moved: bool = Field(description="Its place among the sections both versions share changed.")
    renamed: bool = Field(description="Its heading or level changed.")
    old_heading: str | None
    new_heading: str | None
    old_level: int | None
    new_level: int | None
    ops: list[DiffOp] = Field(description="The word diff of the body, old to new.")


class CompareOut(Schema):
    old: VersionSummary
    new: VersionSummary
    sections: list[SectionChangeOut]


# Amendments -------------------------------------------------------------------------------


class AmendmentSummary(Schema):
    id: int
    number: int = Field(description="1, 2, 3… per charter: the number people cite.")
    title: str
    state: State
    author: str
    council: str | None
    sections: list[str] = Field(description="Keys of the sections it changes.")
    endorsements: int = Field(description="How many co-signed it.")
    created_at: datetime
    updated_at: datetime


class OperationOut(Schema):
    kind: Literal["modify", "insert", "delete", "move"]
    section: str
    heading: str | None
    level: int | None
    after: str | None = Field(description="insert and move: the key it follows; null: first.")
    text: str | None


class CosignerOut(Schema):
    name: str
    organisation: str
    councils: list[str]
    at: datetime


class AmendmentEventOut(Schema):
    from_state: str | None
    to_state: str
    actor: str
    reason: str
    at: datetime


class AmendmentOut(AmendmentSummary):
    charter: str = Field(description="The charter's slug.")
    justification: str
    base_version: int
    merged_version: int | None
    operations: list[OperationOut]
    changes: list[SectionChangeOut] = Field(description="What it changes in its base version.")
    cosigners: list[CosignerOut]
    history: list[AmendmentEventOut]
    themes: list[str]


# Consultation -----------------------------------------------------------------------------


class QuestionOut(Schema):
    id: int
    position: int
    text: str = Field(description="Markdown.")
    open: bool
    stage: int | None = Field(description="The position of the only stage it is answered in.")
    takes_answers: bool
    answers: int = Field(description="Answers neither hidden nor deleted.")


class CommentOut(Schema):
    id: int
    parent_id: int | None
    depth: int = Field(description="0 for a thread's first comment, then 1, 2.")
    author: str
    organisation: str
    created_at: datetime
    edited_at: datetime | None
    version: int | None = Field(description="The version a section comment was written on.")
    quote: str | None = Field(description="The passage an annotation is about.")
    themes: list[str]
    deleted: bool
    hidden: bool
    hidden_reason: str | None = Field(description="Why the secretariat hid it.")
    body: str | None = Field(description="Markdown; null when deleted or hidden.")


# Process and audit ------------------------------------------------------------------------


class StageDetail(StageOut):
    description: str
    current: bool


class StageEventOut(Schema):
    from_position: int
    to_position: int
    actor: str | None
    note: str
    at: datetime


class ProcessOut(Schema):
    current: int | None = Field(description="The position of the current stage.")
    stages: list[StageDetail]
    events: list[StageEventOut] = Field(description="The moves between stages, oldest first.")


class AuditEntryOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: str
    after: str
    address: str


# Queries ----------------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Word = Annotated[str, Field(max_length=80, pattern=r"^[^\x00]*$")]


class VersionQuery(Schema):
    lang: Literal["en", "fr", "es"] | None = Field(
        None, description="Give each section's translation into this language beside it."
    )


class AmendmentQuery(PageQuery):
    state: State | None = None
    section: Word = Field("", description="Only amendments changing the section of this key.")
    council: Id | None = None
    author: Id | None = Field(None, description="The author's user id.")
    theme: Id | None = None
    sort: Literal["newest", "oldest", "cosigners"] = "newest"


class ThreadQuery(PageQuery):
    """limit counts threads: each comes with all its replies."""

    theme: Id | None = Field(None, description="Only threads whose first comment has it.")
