"""What the API answers and accepts: pydantic models, also the OpenAPI document's schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from charter.api.core import Schema


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
