"""Public reading pages. Every page shows only what the viewer may see."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound

from charter.amendments.forms import ConfirmForm
from charter.consultation import queries as consultation_queries
from charter.drafting import merge, queries
from charter.drafting import provenance as drafting_provenance
from charter.errors import explained
from charter.permissions import authorize, can, current_user_or_none
from charter.text import diff
from charter.translating import queries as translating_queries

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    charters = queries.visible_charters(current_user_or_none())
    return render_template("public/index.html", charters=charters)


@bp.get("/charters/<slug>")
def charter(slug: str):
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    latest = queries.latest_visible(charter, current_user_or_none())
    if latest is None:
        abort(404)
    return _render_version(charter, latest, latest=True)


@bp.get("/charters/<slug>/versions/<int:number>")
def version(slug: str, number: int):
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    version = queries.version_or_404(charter, number, current_user_or_none())
    return _render_version(charter, version, latest=False)


def _render_version(charter, version, *, latest: bool):
    user = current_user_or_none()
    around = queries.around(charter, version.number, user)
    # Whoever may change the text may read every version: the newest they see is the head.
    is_head = version.number == around.newest
    languages = translating_queries.languages_of(charter)
    language = translating_queries.reading_language(charter, languages)
    localized = (
        translating_queries.localized(charter, version, language)
        if language != charter.language
        else None
    )
    return render_template(
        "public/version.html",
        charter=charter,
        version=version,
        sections=[item.section for item in localized]
        if localized
        else queries.sections_of(version),
        localized={item.source.key: item for item in localized or ()},
        languages=languages,
        language=language,
        around=around,
        is_latest=is_head,
        may_propose=can(user, "propose_amendment", charter) and is_head,
        may_edit=can(user, "edit_draft", charter) and is_head,
        changes=merge.changelog([version.id])[version.id],
        # Only for those who may publish: a form writes a CSRF token into the session, and
        # the public's copy of the page must carry no cookie (it is cached).
        confirm=ConfirmForm() if can(user, "publish", charter) else None,
        canonical=latest,
        comment_counts=consultation_queries.section_counts(
            charter, queries.visible_version_ids(charter, user)
        ),
    )


@bp.get("/charters/<slug>/versions")
def history(slug: str):
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    versions = queries.visible_versions(charter, current_user_or_none())
    if not versions:
        abort(404)
    return render_template(
        "public/history.html",
        charter=charter,
        versions=versions,
        changes=merge.changelog([version.id for version in versions]),
    )


@bp.get("/charters/<slug>/compare")
def compare_form(slug: str):
    """The compare chooser; a GET form, so it works without JavaScript."""
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    versions = queries.visible_versions(charter, current_user_or_none())
    if not versions:
        abort(404)
    if "from" in request.args or "to" in request.args:
        try:
            old, new = int(request.args.get("from", "")), int(request.args.get("to", ""))
        except ValueError:
            raise explained(BadRequest, _("Choose two versions to compare.")) from None
        numbers = {version.number for version in versions}
        for number in (old, new):
            if number not in numbers:
                message = _("There is no version %(number)s to compare.", number=number)
                raise explained(NotFound, message)
        view = request.args.get("view")
        return redirect(
            url_for(".compare", slug=slug, old=old, new=new, view=view if view in VIEWS else None)
        )
    return render_template("public/compare_form.html", charter=charter, versions=versions)


VIEWS = ("inline", "side")


@bp.get("/charters/<slug>/compare/<int:old>/<int:new>")
def compare(slug: str, old: int, new: int):
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    old_version = queries.version_or_404(charter, old, user)
    new_version = queries.version_or_404(charter, new, user)
    changes = queries.compare(old_version, new_version)
    view = request.args.get("view", "inline")
    return render_template(
        "public/compare.html",
        charter=charter,
        old=old_version,
        new=new_version,
        changes=changes,
        summary=_summary(changes),
        newest=queries.latest_visible(charter, user).number,
        view=view if view in VIEWS else "inline",
    )


def _summary(changes) -> dict[str, int]:
    summary = {
        "modified": 0,
        "added": 0,
        "deleted": 0,
        "moved": 0,
        "renamed": 0,
        "unchanged": 0,
        "inserted_words": 0,
        "deleted_words": 0,
    }
    for change in changes:
        summary[change.kind] += 1
        summary["moved"] += change.moved
        summary["renamed"] += change.renamed
        if change.kind == "modified":
            inserted, deleted = diff.counts(change.ops)
            summary["inserted_words"] += inserted
            summary["deleted_words"] += deleted
    return summary


@bp.get("/charters/<slug>/sections/<key>")
def section(slug: str, key: str):
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    steps = queries.section_history(charter, key, current_user_or_none())
    return render_template("public/section.html", charter=charter, key=key, steps=steps)


@bp.get("/charters/<slug>/versions/<int:number>/provenance")
def provenance(slug: str, number: int):
    """Who wrote a version: words per council, author and amendment, and its sections."""
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    version = queries.version_or_404(charter, number, user)
    return render_template(
        "public/provenance.html",
        charter=charter,
        version=version,
        contributions=drafting_provenance.version_contributions(charter, version, user),
    )


@bp.get("/charters/<slug>/versions/<int:number>/provenance/<key>")
def section_provenance(slug: str, number: int, key: str):
    """Who wrote each word of one section of a version."""
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    version = queries.version_or_404(charter, number, user)
    return render_template(
        "public/provenance_section.html",
        charter=charter,
        version=version,
        provenance=drafting_provenance.section_provenance(charter, version, key, user),
    )


# Downloads, feeds, the timeline and the caching of public pages add themselves to bp.
from charter.public import caching, downloads, feeds, timeline  # noqa: E402, F401
