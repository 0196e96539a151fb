"""The session dossier pages: choosing two versions, and the dossier as HTML, PDF or Word.

Who may get one: the dossier compiles the amendments, which only council members and the
secretariat may read ("read_amendment"). Between two published versions it shows them
nothing they may not read already, so they may all get it. While either version is a draft,
the text is still the secretariat's work in progress: the secretariat alone ("read_dossier").
A version the viewer may not see is a 404 before any of this is asked.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from charter.dossier import build
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.errors import explained
from charter.permissions import authorize, can, current_user_or_none

bp = Blueprint("dossier", __name__)

FORMATS = ("html", "pdf", "docx")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def action_for(*versions: Any) -> str:
    """The policy action a dossier of these versions needs."""
    return "read_amendment" if all(v.published for v in versions) else "read_dossier"


def may_read(user: Any, charter: Charter, *versions: Any) -> bool:
    """Whether user may get the dossier of these versions (that they may see)."""
    return can(user, action_for(*versions), charter)


@bp.app_template_global("dossier_allowed")
def dossier_allowed(charter: Charter, version: Any) -> bool:
    """For templates: whether the current user may get a dossier ending at this version."""
    return may_read(current_user_or_none(), charter, version)


bp.add_app_template_filter(build.excerpt, "diff_excerpt")


@bp.get("/charters/<slug>/dossier")
def choose(slug: str):
    """The chooser, a GET form that works without JavaScript."""
    charter = queries.charter_or_404(slug)
    authorize("read_amendment", charter)
    if "from" in request.args or "format" in request.args:
        return redirect(_chosen(charter))
    user = current_user_or_none()
    versions = [
        version
        for version in queries.visible_versions(charter, user)
        if may_read(user, charter, version)
    ]
    chosen = request.args.get("to", type=int)
    return render_template("dossier/choose.html", charter=charter, versions=versions, chosen=chosen)


def _chosen(charter: Charter) -> str:
    """The address of the dossier the chooser asks for."""
    try:
        old, new = int(request.args.get("from", "")), int(request.args.get("to", ""))
    except ValueError:
        raise explained(BadRequest, _("Choose two versions for the dossier.")) from None
    fmt = request.args.get("format", "html")
    if fmt not in FORMATS:
        raise explained(BadRequest, _("Choose HTML, PDF or Word for the dossier."))
    return url_for(".dossier", slug=charter.slug, old=old, new=new, fmt=fmt)


@bp.get("/charters/<slug>/dossier/<int:old>/<int:new>.<fmt>")
def dossier(slug: str, old: int, new: int, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    older = queries.version_or_404(charter, old, user)
    newer = queries.version_or_404(charter, new, user)
    authorize(action_for(older, newer), charter)
    if older.number >= newer.number:
        message = _(
            "A dossier shows the changes since an earlier version: version %(old)s is not "
            "older than version %(new)s.",
            old=old,
            new=new,
        )
        raise explained(BadRequest, message)
    return _respond(build.build(charter, older, newer), fmt)


def _respond(gathered: build.Dossier, fmt: str):
    """The dossier as a page, or as a PDF or Word file to download."""
    name = f"{gathered.charter_slug}-dossier-v{gathered.old.number}-v{gathered.new.number}.{fmt}"
    if fmt == "docx":
        from charter.dossier import docx

        return _download(docx.render(gathered), DOCX_TYPE, name)
    html = render_template("dossier/dossier.html", dossier=gathered)
    return _download(_pdf(html), "application/pdf", name) if fmt == "pdf" else html


def _pdf(html: str) -> bytes:
    """The dossier page printed by WeasyPrint, fetching nothing (the page needs nothing)."""
    import weasyprint  # heavy: loaded by the first PDF, not by every worker at start-up

    nothing = weasyprint.URLFetcher(allowed_protocols=())
    return weasyprint.HTML(string=html, url_fetcher=nothing).write_pdf()


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
