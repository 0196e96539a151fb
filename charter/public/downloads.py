"""Downloads of a version: Markdown, standalone HTML, PDF, and JSON with its hash chain.

The JSON carries everything needed to recompute the version's hashes (scripts/verify_charter.py
does it with the standard library alone); the recipe is charter.text.hashing's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from charter.cache import Shared
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.permissions import authorize, current_user_or_none
from charter.public import caching
from charter.public.views import bp
from charter.text import export, hashing, markdown, sections
from charter.text.translation import Localized
from charter.translating import queries as translating_queries

FORMATS = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
}
JSON_FORMAT = "charter-version/1"
HOW_TO_VERIFY = (
    "text_hash = sha256(UTF-8 body); digest = sha256 of the compact, key-sorted JSON "
    '{"parent": parent_hash, "sections": [[key, level, heading, text_hash], ...], '
    '"meta": {"charter": slug, "number", "note", "author", "created_at"}}; '
    "parent_hash = the digest of the version before. scripts/verify_charter.py checks it all."
)
# The standalone file is read offline: it may use its own inline styles and nothing else.
STANDALONE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

# PDFs take a moment to make and never change: keep the last few, by ETag.
_pdf_cache: Shared[bytes] = Shared("pdf", 16)


@bp.get("/charters/<slug>/versions/<int:number>/download.<fmt>")
def download(slug: str, number: int, fmt: str):
    """One version as a file, for anyone who may read it."""
    if fmt not in FORMATS:
        abort(404)
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    version = queries.version_or_404(charter, number, user)
    ancestors = [v for v in queries.visible_versions(charter, user) if v.number < number]
    translated = _translated(charter, version)
    localized = fmt in ("html", "pdf")
    tag = caching.download_tag(
        fmt,
        charter.slug,
        charter.title,
        charter.summary,
        version.digest,
        version.published_at,
        # Only the JSON lists the older versions the reader may see.
        *(ancestor.digest for ancestor in ancestors if fmt == "json"),
        *_translation_tag(translated),
        localized=localized,
    )
    if version.published and (unchanged := caching.not_modified(tag, localized=localized)):
        return unchanged

    shown = [item.section for item in translated.items] if translated else None
    if fmt == "md":
        body: bytes = sections.join(shown or queries.sections_of(version)).encode("utf-8")
    elif fmt == "json":
        body = _json(charter, version, ancestors, translated).encode("utf-8")
    elif fmt == "html":
        body = _standalone_html(charter, version, translated).encode("utf-8")
    else:
        body = _pdf_cache.get_or_set(
            tag, lambda: _pdf(_standalone_html(charter, version, translated))
        )

    response = Response(body, mimetype=FORMATS[fmt])
    # The name holds only letters, digits, hyphens and a dot: quoted as it is.
    language = translated.language if translated else None
    name = export.file_name(charter.slug, version.number, fmt, language)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if fmt == "html":
        response.headers["Content-Security-Policy"] = STANDALONE_CSP
    if version.published and caching.cacheable():
        caching.public(response, tag, caching.DOWNLOAD_MAX_AGE, localized=localized)
    return response


@dataclass(frozen=True)
class Translated:
    """A download in a language other than the text's own (?lang=)."""

    language: str
    items: list[Localized]


def _translated(charter: Charter, version: queries.VersionInfo) -> Translated | None:
    language = request.args.get("lang", "")
    if language == charter.language or language not in translating_queries.languages_of(charter):
        return None
    return Translated(language, translating_queries.localized(charter, version, language))


def _translation_tag(translated: Translated | None) -> list[str]:
    """What a translated download's ETag must cover: its language and every shown text."""
    if translated is None:
        return []
    return [translated.language] + [
        hashing.text_hash(f"{item.status}\x1f{item.section.heading}\x1f{item.section.body}")
        for item in translated.items
    ]


def _utc(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def export_record(
    charter: Charter,
    version: queries.VersionInfo,
    ancestors: list[queries.VersionInfo],
    translated: Translated | None = None,
) -> dict[str, Any]:
    """The JSON download as a dict: the version, its sections, and the chain it sits on.

    A translated download keeps the source sections (the hashes verify them) and adds each
    section's translation beside it."""
    record = {
        "format": JSON_FORMAT,
        "charter": {
            "slug": charter.slug,
            "title": charter.title,
            "url": url_for("public.charter", slug=charter.slug, _external=True),
        },
        "version": {
            "number": version.number,
            "status": "published" if version.published else "draft",
            "url": url_for(
                "public.version", slug=charter.slug, number=version.number, _external=True
            ),
            "note": version.note,
            "author": version.author,
            # UTC, exactly the string the digest covers.
            "created_at": version.created_at.isoformat(timespec="seconds"),
            "published_at": _utc(version.published_at),
            "parent_hash": version.parent_hash,
            "digest": version.digest,
        },
        "sections": [
            {
                "key": section.key,
                "level": section.level,
                "heading": section.heading,
                "body": section.body,
                "text_hash": hashing.text_hash(section.body),
            }
            for section in queries.sections_of(version)
        ],
        # The older versions the reader may see, oldest first (unpublished drafts are left
        # out: a gap in the numbers).
        "chain": [
            {"number": older.number, "digest": older.digest, "parent_hash": older.parent_hash}
            for older in sorted(ancestors, key=lambda v: v.number)
        ],
        "how_to_verify": HOW_TO_VERIFY,
    }
    record["language"] = charter.language
    if translated is not None:
        record["translation"] = {"language": translated.language}
        for section, item in zip(record["sections"], translated.items, strict=True):
            section["translation"] = {
                "status": item.status,
                "heading": item.section.heading if item.translation else None,
                "body": item.section.body if item.translation else None,
                "made_for_version": item.translation.version_number if item.translation else None,
            }
    return record


def _json(charter: Charter, version: queries.VersionInfo, ancestors, translated) -> str:
    record = export_record(charter, version, ancestors, translated)
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def _standalone_html(
    charter: Charter, version: queries.VersionInfo, translated: Translated | None
) -> str:
    """One HTML file: inline styles, a table of contents, no outside resources."""
    shown = [item.section for item in translated.items] if translated else None
    statuses = [item.status for item in translated.items] if translated else None
    rendered = [
        (
            section,
            Markup(  # noqa: S704 (sanitised by markdown.render, images made links)
                export.without_remote_images(markdown.render(section.body, section.key + "-"))
            ),
            statuses[index] if statuses else None,
        )
        for index, section in enumerate(shown or queries.sections_of(version))
    ]
    return render_template(
        "public/download.html",
        charter=charter,
        version=version,
        sections=rendered,
        preamble=_("Preamble"),
        lang=str(get_locale()),
        text_lang=translated.language if translated else charter.language,
        source_lang=charter.language,
        source=url_for("public.version", slug=charter.slug, number=version.number, _external=True),
    )


def _pdf(html: str) -> bytes:
    """The standalone HTML printed to PDF by WeasyPrint (imported late: it is heavy).

    The server fetches nothing a charter's text points to (no request to another host or
    to its own network): only data: URLs load.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()
