"""Reading translations: which languages a charter has, and a version as a language shows it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request

from charter.drafting import queries
from charter.drafting.models import Charter, SectionText
from charter.extensions import db
from charter.i18n import current_language
from charter.text.translation import Localized, Translation, localize
from charter.translating.models import SectionTranslation


def languages_of(charter: Charter) -> list[str]:
    """The source language, then every language with at least one translated section."""
    found = set(
        db.session.scalars(
            sa.select(SectionTranslation.language)
            .where(SectionTranslation.charter_id == charter.id)
            .distinct()
        )
    )
    offered = current_app.config["LANGUAGES"]
    return [charter.language] + [
        code for code in offered if code in found and code != charter.language
    ]


def reading_language(charter: Charter, available: list[str]) -> str:
    """The language a reader sees the text in: the one asked for (?lang=), else the site's
    language when the text has it, else the source."""
    asked = request.args.get("lang", "")
    if asked in available:
        return asked
    site = current_language()
    return site if site in available else charter.language


def translations(charter: Charter, language: str) -> list[Translation]:
    """Every translation of the charter into language, oldest first (one query)."""
    rows = db.session.execute(
        sa.select(
            SectionTranslation.section_key,
            SectionTranslation.version_number,
            SectionTranslation.source_heading,
            SectionTranslation.source_hash,
            SectionTranslation.heading,
            SectionTranslation.body,
            SectionText.body,
        )
        .join(SectionText, SectionText.hash == SectionTranslation.source_hash)
        .where(SectionTranslation.charter_id == charter.id)
        .where(SectionTranslation.language == language)
        .order_by(SectionTranslation.id)
    )
    return [Translation(*row) for row in rows]


def localized(charter: Charter, version: queries.VersionInfo, language: str) -> list[Localized]:
    """The version's sections as readers of language see them."""
    return localize(queries.sections_of(version), translations(charter, language), version.number)
