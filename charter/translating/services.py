"""Writing translations. Callers commit."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from charter import audit
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.errors import InvalidInput
from charter.extensions import db
from charter.permissions import require
from charter.text.hashing import text_hash
from charter.text.sections import fit_body
from charter.translating.models import SectionTranslation

MAX_HEADING = 300
MAX_BODY = 100_000


def translate_section(
    user,
    charter: Charter,
    version: queries.VersionInfo,
    language: str,
    key: str,
    *,
    heading: str,
    body: str,
) -> SectionTranslation:
    """Save a translation of one section of version; it replaces the earlier one."""
    require(user, "translate", charter)
    if language not in current_app.config["LANGUAGES"] or language == charter.language:
        raise InvalidInput(_("Choose a language other than the text's own."), field="language")
    source = next((s for s in queries.sections_of(version) if s.key == key), None)
    if source is None:
        raise InvalidInput(_("This version has no such section."))
    heading = " ".join(heading.split())
    body = fit_body(body, like=source.body)
    if source.heading and not heading:
        raise InvalidInput(_("Write the heading in this language."), field="heading")
    if len(heading) > MAX_HEADING:
        raise InvalidInput(
            _("A heading has at most %(num)d characters.", num=MAX_HEADING), field="heading"
        )
    if source.body.strip() and not body.strip():
        raise InvalidInput(_("Write the text in this language."), field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(
            _("A section has at most %(num)d characters.", num=MAX_BODY), field="body"
        )
    translation = SectionTranslation(
        charter_id=charter.id,
        language=language,
        section_key=key,
        version_number=version.number,
        source_heading=source.heading,
        source_hash=text_hash(source.body),
        heading=heading if source.heading else "",
        body=body,
        translator_id=user.id,
    )
    db.session.add(translation)
    db.session.flush()
    audit.record(
        user,
        "translation.save",
        translation,
        after=audit.shorten(f"{language} · {key} · v{version.number}: {heading}"),
    )
    return translation
