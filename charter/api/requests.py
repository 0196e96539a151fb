"""What the write operations accept and answer: pydantic models (also the OpenAPI schemas).

Lengths mirror the forms of the pages, and no text may hold NUL (PostgreSQL cannot store
it); emptiness and everything that depends on the charter (sections, stages, states) is
checked by the services, which say why in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from charter.amendments.forms import MAX_TEXT_CHARS
from charter.amendments.services import MAX_JUSTIFICATION
from charter.api.core import Schema
from charter.consultation.services import MAX_BODY, MAX_QUOTE
from charter.drafting import merge
from charter.process import services as process
from charter.text import rebase
from charter.text.sections import Section, fit_body, make_key
from charter.urls import MAX_INT


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def Text(max_length: int, min_length: int = 0):  # noqa: N802 (a type, as it reads)
    """A string of at most max_length characters that the database can store."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(_storable)
    ]


Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Key = Text(80, min_length=1)  # a section's key
MAX_ITEMS = 100  # operations of an amendment, amendments of a merge
MAX_REASON = 5_000  # as amendments.forms.ReasonForm


# Amendments -------------------------------------------------------------------------------


class OperationBody(Schema):
    """One change to one section, as the amendment forms describe it."""

    kind: Literal["modify", "insert", "delete", "move"]
    section: Key | None = Field(
        None,
        description="The key of the section changed. For insert: the new section's key, "
        "made from the heading when left out.",
    )
    text: Text(MAX_TEXT_CHARS) | None = Field(
        None, description="modify, insert: the new body (Markdown)."
    )
    heading: Text(300) | None = Field(
        None, description="insert: the heading; modify: a new heading."
    )
    level: int | None = Field(None, ge=1, le=6, description="insert: the heading level (2).")
    after: Key | None = Field(
        None, description="insert, move: the key of the section it follows; null: the start."
    )

    @model_validator(mode="after")
    def _names_its_section(self) -> OperationBody:
        if self.kind != "insert" and not self.section:
            raise ValueError(f"a {self.kind} names the key of its section")
        return self


def operations_from(
    bodies: Sequence[OperationBody], sections: Sequence[Section]
) -> list[rebase.Operation]:
    """The operations the bodies describe against sections, typed text fitted as the forms
    fit it (amendments.forms.operation_from)."""
    by_key = {section.key: section for section in sections}
    taken = set(by_key)
    operations = []
    for body in bodies:
        if body.kind == "insert":
            heading = (body.heading or "").strip()
            key = body.section or make_key(heading or "section", taken)
            taken.add(key)
            operations.append(
                rebase.Operation(
                    "insert",
                    key,
                    text=fit_body(body.text or ""),
                    heading=heading,
                    level=body.level or 2,
                    after=body.after,
                )
            )
        elif body.kind == "modify":
            section = by_key.get(body.section or "")
            heading = (body.heading or "").strip()
            unchanged = section is not None and heading == section.heading
            operations.append(
                rebase.Operation(
                    "modify",
                    body.section or "",
                    text=fit_body(body.text or "", like=section.body if section else "\n\n"),
                    heading=heading if heading and not unchanged else None,
                )
            )
        else:
            operations.append(
                rebase.Operation(
                    body.kind, body.section or "", after=body.after if body.kind == "move" else None
                )
            )
    return operations


class ProposeBody(Schema):
    base_version: Id = Field(
        description="The number of the draft version the changes were written on (the head). "
        "When the draft has moved on since, the answer is 409 and nothing is saved."
    )
    operations: list[OperationBody] = Field(min_length=1, max_length=MAX_ITEMS)
    justification: Text(MAX_JUSTIFICATION) = Field(description="Why this change is needed.")
    title: Text(200) = Field("", description="Left empty, one is made up.")
    themes: list[Id] = Field([], description="Ids of themes of the charter.")
    questions: list[Id] = Field([], description="Ids of guiding questions it answers.")
    submit: bool = Field(False, description="Submit for review at once (else a private draft).")


class EditBody(Schema):
    """The fields left out stay as they are; `operations` replaces all the changes."""

    revision: int = Field(
        description="The amendment's revision the edit was made on; 409 when it changed since."
    )
    operations: list[OperationBody] | None = Field(None, min_length=1, max_length=MAX_ITEMS)
    justification: Text(MAX_JUSTIFICATION) | None = None
    title: Text(200) | None = None
    themes: list[Id] | None = None
    questions: list[Id] | None = None


class RevisionQuery(Schema):
    revision: int | None = Field(
        None, description="The revision the caller saw; 409 when the amendment changed since."
    )


class WithdrawBody(Schema):
    reason: Text(MAX_REASON) = ""


class ReviewBody(Schema):
    decision: Literal["accept", "reject"]
    reason: Text(MAX_REASON) = Field(description="The author and co-signers read it.")


class AmendmentResult(Schema):
    id: int
    charter: str
    number: int
    state: str
    revision: int
    title: str
    endorsements: int
    url: str


# Consultation -----------------------------------------------------------------------------


class SectionCommentBody(Schema):
    body: Text(MAX_BODY) = Field(description="Markdown.")
    version: Id | None = Field(
        None, description="The version commented on; left out, the newest that holds the section."
    )
    quote: Text(MAX_QUOTE) = Field(
        "", description="A passage of the section, copied exactly: an annotation."
    )
    position: int | None = Field(
        None, ge=0, le=10_000_000, description="Where the quote starts, when it occurs twice."
    )
    themes: list[Id] = []


class AnswerBody(Schema):
    body: Text(MAX_BODY) = Field(description="Markdown.")
    themes: list[Id] = []


class MessageBody(Schema):
    body: Text(MAX_BODY) = Field(description="Markdown.")


class CommentResult(Schema):
    id: int
    kind: str
    url: str


# Drafting and the process -------------------------------------------------------------------


class MergeBody(Schema):
    amendments: list[Id] = Field(
        min_length=1, max_length=MAX_ITEMS, description="Accepted amendments, in merge order."
    )
    resolutions: dict[Id, dict[Key, Text(MAX_TEXT_CHARS)]] = Field(
        {},
        description="The text settling each conflict: {amendment number: {section key: body}}, "
        "as the merge page's conflict fields.",
    )
    note: Text(merge.MAX_NOTE) = Field("", description="Left empty, it lists the amendments.")
    expected_head: Id = Field(
        description="The head the merge was prepared on; 409 when it is not the head any more."
    )


class VersionResult(Schema):
    charter: str
    number: int
    published: bool
    url: str


class AdvanceBody(Schema):
    expected_position: Id = Field(
        description="The current stage's position, as the caller saw it; 409 when it moved."
    )
    note: Text(process.MAX_NOTE) = Field("", description="Why now: shown on the stages page.")


class StageResult(Schema):
    charter: str
    position: int
    name: str
    capabilities: list[str]
