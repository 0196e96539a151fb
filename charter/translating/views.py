"""Translating a version, section by section (the secretariat and translators)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from charter.consultation.views import field_error
from charter.drafting import queries as drafting_queries
from charter.errors import DomainError
from charter.extensions import db
from charter.i18n import language_name
from charter.permissions import authorize
from charter.text.translation import counts
from charter.translating import forms, queries, services

bp = Blueprint("translating", __name__)


def _load(slug: str, number: int, language: str):
    charter = drafting_queries.charter_or_404(slug)
    authorize("translate", charter, hide=True)
    if language not in current_app.config["LANGUAGES"] or language == charter.language:
        abort(404)
    version = drafting_queries.version_or_404(charter, number, current_user)
    return charter, version


@bp.get("/charters/<slug>/versions/<int:number>/translations/<language>")
@login_required
def overview(slug: str, number: int, language: str):
    """Every section of a version with the state of its translation into language."""
    charter, version = _load(slug, number, language)
    localized = queries.localized(charter, version, language)
    return render_template(
        "translating/overview.html",
        charter=charter,
        version=version,
        language=language,
        language_name=language_name(language),
        localized=localized,
        counts=counts(localized),
    )


@bp.route(
    "/charters/<slug>/versions/<int:number>/translations/<language>/<key>",
    methods=["GET", "POST"],
)
@login_required
def edit(slug: str, number: int, language: str, key: str):
    """Translate one section: the source beside the form, and what changed in the source
    since the last translation."""
    charter, version = _load(slug, number, language)
    item = next(
        (i for i in queries.localized(charter, version, language) if i.source.key == key), None
    )
    if item is None:
        abort(404)
    form = forms.TranslationForm(
        heading=item.translation.heading if item.translation else "",
        body=(item.translation.body.strip("\n") if item.translation else ""),
    )
    status = 200
    if form.validate_on_submit():
        try:
            services.translate_section(
                current_user,
                charter,
                version,
                language,
                key,
                heading=form.heading.data or "",
                body=form.body.data or "",
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            field_error(form, error)
            status = error.status
        else:
            flash(_("The translation is saved."), "success")
            return redirect(
                url_for("translating.overview", slug=slug, number=number, language=language)
                + f"#{key}"
            )
    elif form.errors:
        status = 422
    return (
        render_template(
            "translating/edit.html",
            charter=charter,
            version=version,
            language=language,
            language_name=language_name(language),
            item=item,
            form=form,
        ),
        status,
    )
