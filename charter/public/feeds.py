"""Atom feeds of what is public: published versions (per charter and site-wide) and the
moves of a charter between stages. Feeds are the same for everyone: drafts never appear."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from flask import Response, abort, current_app, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from charter.drafting import queries
from charter.drafting.models import Charter, Publication, Version
from charter.extensions import db
from charter.process import services as process
from charter.public.views import bp

ATOM = "http://www.w3.org/2005/Atom"
MIMETYPE = "application/atom+xml"
SITE_ENTRIES = 50
CHARTER_ENTRIES = 100
# The date part of the site feed's tag: URI (RFC 4151); any fixed date would do, it never changes.
SITE_TAG_DATE = "2025"


@dataclass(frozen=True)
class Entry:
    """One Atom entry; content is HTML, escaped on the way out."""

    id: str
    title: str
    updated: datetime
    link: str
    author: str
    content: str
    published: datetime | None = None


def _stamp(moment: datetime) -> str:
    """RFC 3339, UTC (moments are stored as naive UTC)."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def _authority() -> str:
    """The domain in tag: URIs: the site's configured address, else this request's host."""
    host = urlsplit(current_app.config.get("SITE_URL") or "").hostname
    return host or request.host.split(":")[0]


def _tag(charter: Charter, specific: str) -> str:
    return f"tag:{_authority()},{charter.created_at:%Y-%m-%d}:{charter.slug}/{specific}"


def _feed(
    *, feed_id: str, title: str, subtitle: str, alternate: str, entries: list[Entry]
) -> Response:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, name: str, text: str | None = None, **attributes: str):
        element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        element.text = text
        return element

    add(feed, "id", feed_id)
    add(feed, "title", title)
    if subtitle:
        add(feed, "subtitle", subtitle)
    updated = max((entry.updated for entry in entries), default=None)
    add(feed, "updated", _stamp(updated) if updated else "1970-01-01T00:00:00Z")
    add(feed, "link", rel="self", type=MIMETYPE, href=request.url)
    add(feed, "link", rel="alternate", type="text/html", href=alternate)
    add(feed, "generator", "Charter")
    for entry in entries:
        item = add(feed, "entry")
        add(item, "id", entry.id)
        add(item, "title", entry.title)
        add(item, "updated", _stamp(entry.updated))
        if entry.published:
            add(item, "published", _stamp(entry.published))
        add(add(item, "author"), "name", entry.author)
        add(item, "link", rel="alternate", type="text/html", href=entry.link)
        add(item, "content", entry.content, type="html")
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype=MIMETYPE)


def _paragraphs(*lines: str | Markup) -> str:
    return "".join(str(Markup("<p>%s</p>") % line) for line in lines if line)


def _version_entry(
    charter: Charter,
    number: int,
    note: str,
    author: str,
    published_at: datetime,
    previous: int | None,
) -> Entry:
    link = url_for("public.version", slug=charter.slug, number=number, _external=True)
    compare = (
        Markup('<a href="%s">%s</a>')
        % (
            url_for("public.compare", slug=charter.slug, old=previous, new=number, _external=True),
            _("What changed since version %(number)s", number=previous),
        )
        if previous
        else ""
    )
    return Entry(
        id=_tag(charter, f"version/{number}"),
        title=_("%(title)s — version %(number)s", title=charter.title, number=number),
        updated=published_at,
        published=published_at,
        link=link,
        author=author or _("The secretariat"),
        content=_paragraphs(escape(note), compare),
    )


def _published_entries(charter: Charter) -> list[Entry]:
    """The charter's published versions, newest first (what the public sees)."""
    versions = queries.visible_versions(charter, None)[:CHARTER_ENTRIES]
    previous = [v.number for v in versions[1:]] + [None]
    return [
        _version_entry(charter, v.number, v.note, v.author, v.published_at, before)
        for v, before in zip(versions, previous, strict=True)
        if v.published_at is not None
    ]


def _public_charter_or_404(slug: str) -> Charter:
    charter = queries.charter_or_404(slug)
    if queries.latest_visible(charter, None) is None:
        abort(404)
    return charter


@bp.get("/charters/<slug>/feed.atom")
def charter_feed(slug: str):
    """The published versions of one charter."""
    charter = _public_charter_or_404(slug)
    return _feed(
        feed_id=_tag(charter, "versions"),
        title=_("%(title)s — published versions", title=charter.title),
        subtitle=charter.summary,
        alternate=url_for("public.history", slug=charter.slug, _external=True),
        entries=_published_entries(charter),
    )


@bp.get("/charters/<slug>/stages.atom")
def stages_feed(slug: str):
    """The recorded moves of one charter between the stages of its process."""
    charter = _public_charter_or_404(slug)
    names = {stage.position: stage.name for stage in process.stages_of(charter)}
    events = list(reversed(process.events_of(charter)))[:CHARTER_ENTRIES]
    entries = []
    for event in events:
        origin = names.get(event.from_position, str(event.from_position))
        destination = names.get(event.to_position, str(event.to_position))
        entries.append(
            Entry(
                id=_tag(charter, f"stage-event/{event.id}"),
                title=_(
                    "%(title)s is now in the stage “%(stage)s”",
                    title=charter.title,
                    stage=destination,
                ),
                updated=event.at,
                published=event.at,
                link=url_for(
                    "public.timeline",
                    slug=charter.slug,
                    _anchor=f"stage-event-{event.id}",
                    _external=True,
                ),
                author=event.actor.display_name if event.actor else _("the platform"),
                content=_paragraphs(
                    _(
                        "Moved from “%(origin)s” to “%(destination)s”.",
                        origin=origin,
                        destination=destination,
                    ),
                    escape(event.note),
                ),
            )
        )
    return _feed(
        feed_id=_tag(charter, "stages"),
        title=_("%(title)s — stages of the process", title=charter.title),
        subtitle=charter.summary,
        alternate=url_for("public.timeline", slug=charter.slug, _external=True),
        entries=entries,
    )


def _latest_publications(limit: int) -> Iterable:
    return db.session.execute(
        sa.select(Charter, Version.number, Version.note, Version.author, Publication.published_at)
        .join(Version, Version.charter_id == Charter.id)
        .join(Publication, Publication.version_id == Version.id)
        .order_by(Publication.published_at.desc(), Version.id.desc())
        .limit(limit)
    )


@bp.get("/feed.atom")
def site_feed():
    """The published versions of every charter, newest first."""
    entries = [
        _version_entry(charter, number, note, author, published_at, None)
        for charter, number, note, author, published_at in _latest_publications(SITE_ENTRIES)
    ]
    return _feed(
        feed_id=f"tag:{_authority()},{SITE_TAG_DATE}:charters",
        title=_("Charters — published versions"),
        subtitle="",
        alternate=url_for("public.index", _external=True),
        entries=entries,
    )
