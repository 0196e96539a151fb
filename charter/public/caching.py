"""HTTP caching of what the public reads of published versions: strong ETags and 304s.

Only anonymous requests are cached: a signed-in person's pages may hold drafts and forms
(charter.security sends them `no-store`). Two kinds of answers:

- Downloads are pure functions of a published version: their ETag is computed from what
  goes into them *before* they are made (`download_tag`), so a 304 skips the work.
- Pages (version, compare, provenance, feeds) also show things that move while the version
  does not: comment counts, the stage banner (which changes by itself when a stage's dates
  pass), the "read the latest" banner, Bureau decisions, people's names. Their ETag is the
  sha256 of the bytes sent (`cache_page`), so it can never call a changed page unchanged;
  a short max-age bounds how long a cache keeps one without asking.

The app keeps its own copy of those pages for anonymous readers (`_pages`: in Redis when
REDIS_URL is set, so every worker and host shares it). Its key holds the write stamp
(charter.writes), so a comment, a merge or a publication is on the next page served; only
what moves by itself, the stage banner when a stage's dates pass, may be PAGE_TTL late.
"""

from __future__ import annotations

import hashlib

from flask import Response, g, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from charter import writes
from charter.cache import Shared, build_id
from charter.public.views import bp

PAGE_MAX_AGE = 300  # five minutes: the moving parts of a page may be that late in a cache
DOWNLOAD_MAX_AGE = 86_400  # a day: a download changes only if the charter is renamed or an
# older draft gets published (it joins the chain the JSON lists)

PAGE_TTL = 60  # how late the app's own copy may show a stage banner that moved by itself
_pages: Shared[tuple[bytes, str, str]] = Shared("pages", 64, PAGE_TTL)  # body, type, tag


def anonymous() -> bool:
    """Whether the request comes from someone not signed in: only they share caches."""
    return not (current_user and current_user.is_authenticated)


def cacheable() -> bool:
    """Whether this request's answer may go to a shared cache: anonymous, a plain read,
    and no message waiting to be shown to this browser alone."""
    return request.method in ("GET", "HEAD") and anonymous() and "_flashes" not in session


def download_tag(*parts: object, localized: bool = False) -> str:
    """The ETag of a download made from parts (digests, title, format…) with this build."""
    reader = f"{get_locale()} {get_timezone()}" if localized else ""
    pieces = [build_id(), reader, *map(str, parts)]
    return hashlib.sha256("\x1f".join(pieces).encode("utf-8")).hexdigest()


def not_modified(tag: str, *, localized: bool = False) -> Response | None:
    """A 304 when the client holds the download tagged so, None otherwise (or when the
    request may not be cached at all)."""
    if not cacheable() or not request.if_none_match.contains(tag):
        return None
    response = Response(status=304)
    return public(response, tag, DOWNLOAD_MAX_AGE, localized=localized)


def public(response: Response, tag: str, max_age: int, *, localized: bool = True) -> Response:
    """Mark a response as cacheable by anyone for max_age seconds, with a strong ETag."""
    response.set_etag(tag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if localized:
        response.vary.add("Accept-Language")
    # Whoever sends another cookie (someone signed in) must not be given this copy.
    response.vary.add("Cookie")
    return response


def _shareable(response: Response) -> bool:
    """Whether a page may be given to every anonymous reader. A page that wrote to the
    session (a message shown, a form's token) is this browser's own."""
    return (
        response.status_code == 200
        and cacheable()
        and not session.modified
        and "Set-Cookie" not in response.headers
        and not response.direct_passthrough
    )


def cache_page(response: Response) -> Response:
    """Tag an anonymous 200 page by the sha256 of its bytes; a 304 when the client has it."""
    if not _shareable(response):
        return response
    tag = g.pop("page_tag", None) or _tag(response.get_data())
    public(response, tag, PAGE_MAX_AGE)
    return response.make_conditional(request)


def _tag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def keep_page(response: Response) -> None:
    """Keep the page for the next anonymous reader, when it was made for this one."""
    if (key := g.pop("page_key", None)) is not None and _shareable(response):
        body = response.get_data()
        _pages.set(key, (body, response.mimetype, _tag(body)))


def _page_key() -> tuple:
    """Everything an anonymous page depends on: the address, the reader's language and
    time zone, the build and the last write."""
    return (request.url, str(get_locale()), str(get_timezone()), build_id(), writes.current())


# Pages of published versions (anonymous readers see nothing else) and the feeds, tagged
# for HTTP caches. Not the latest version's page: its address shows another version once
# one is published, and a cache would go on showing the old one for PAGE_MAX_AGE.
PAGES = frozenset(
    {
        "public.version",
        "public.compare",
        "public.provenance",
        "public.section_provenance",
        "public.charter_feed",
        "public.stages_feed",
        "public.site_feed",
    }
)

# Pages the app keeps for anonymous readers: its own copy is never late (the write stamp).
KEPT = PAGES | {"public.charter"}


@bp.before_request
def _kept_page() -> Response | None:
    """The app's copy of this page, when an anonymous reader asked for it since the last
    write; otherwise the page is made, and kept by keep_page."""
    if request.endpoint not in KEPT or not cacheable():
        return None
    key = _page_key()
    kept = _pages.get(key)
    if kept is None:
        g.page_key = key
        return None
    body, mimetype, g.page_tag = kept
    return Response(body, mimetype=mimetype)


@bp.after_request
def _cache_pages(response: Response) -> Response:
    if request.endpoint in KEPT:
        keep_page(response)
    return cache_page(response) if request.endpoint in PAGES else response
