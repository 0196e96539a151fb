"""What the attack tests share: the payloads, a charter seeded with them in every field a
person types, the walk over the app's routes, and the checks of what comes back."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree

import sqlalchemy as sa
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property
from wtforms.fields.core import UnboundField

from charter import notifications
from charter.accounts import services as accounts
from charter.accounts.models import Notification
from charter.amendments import services as amendments
from charter.api import tokens
from charter.api.core import OPERATIONS
from charter.api.models import ApiToken
from charter.consultation import manage
from charter.consultation import services as consultation
from charter.consultation.models import Comment
from charter.dossier.views import FORMATS as DOSSIER_FORMATS
from charter.drafting import merge, queries
from charter.drafting import services as drafting
from charter.extensions import db
from charter.process import services as process
from charter.public.downloads import FORMATS as DOWNLOAD_FORMATS
from charter.text import sections as text_sections
from charter.text.rebase import Operation
from charter.translating import services as translating
from charter.webhooks.models import Webhook, WebhookDelivery

# --- payloads ------------------------------------------------------------------------------

# What an attacker types in a one-line field; each must come back inert.
VECTORS = (
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
)
# And in a Markdown field: links, raw HTML, images, foreign content, template syntax.
MARKDOWN_VECTORS = (
    "[a link](javascript:alert(1))",
    "[another](JaVaScRiPt:alert(1))",
    "[tabbed](java&#x09;script:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    '<a href="javascript:alert(1)">raw</a>',
    '![pic](x" onerror="alert(1))',
    "<iframe src=javascript:alert(1)></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "</textarea></title></style><script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    '{{ "xs" ~ "sti" }} {% print("xs" ~ "sti") %}',
    "[ref][evil]\n\n[evil]: javascript:alert(1)",
)
# One value dangerous wherever it lands: as a link (it starts with a script URL), in an
# attribute (quotes) or in text (tags); and template syntax.
REFLECTED = (
    "javascript:alert(1)//\"'><script>alert(1)</script><img src=x onerror=alert(1)>"
    "<svg onload=alert(1)>{{'xs'~'sti'}}"
)
# A template that evaluated the text it shows would print this.
EVALUATED = "xssti"


def long_payload(code: str) -> str:
    """A Markdown field: the field's code, then every vector, one paragraph each."""
    return "\n\n".join([code, *VECTORS, *MARKDOWN_VECTORS])


def short_payloads(code: str, limit: int) -> list[str]:
    """One-line values of at most limit characters that together carry every vector."""
    values, current = [], code
    for vector in VECTORS:
        if len(current) + len(vector) > limit:
            values.append(current)
            current = code
        current += vector
    return [*values, current]


# --- the seeded charter --------------------------------------------------------------------


@dataclass
class World:
    """What was seeded: the code of each field, and the values that fill route arguments."""

    slug: str = "attacked"
    codes: dict[str, str] = field(default_factory=dict)  # code: the field it marks
    users: dict[str, int] = field(default_factory=dict)  # role: user id
    arguments: dict[str, list] = field(default_factory=dict)  # argument name: values
    # (endpoint or blueprint, argument name): values, where an argument means another thing.
    by_endpoint: dict[tuple[str, str], list] = field(default_factory=dict)
    public_codes: set[str] = field(default_factory=set)  # fields anyone may read

    def mark(self, what: str, *, public: bool = False) -> str:
        """A code for one seeded field, found again in the pages that show it."""
        code = f"Q{len(self.codes) + 1:03d}"
        self.codes[code] = what
        if public:
            self.public_codes.add(code)
        return code


def seed() -> World:
    """One charter with its whole life, through the services, every typed field attacked
    (the lengths given are the columns': a value must fit, with its code)."""
    world = World()

    def long_(what: str, public: bool = False) -> str:
        return long_payload(world.mark(what, public=public))

    def shorts(what: str, limit: int, public: bool = False) -> list[str]:
        return short_payloads(world.mark(what, public=public), limit)

    def short(what: str, limit: int, public: bool = False) -> str:
        (value,) = shorts(what, limit, public)  # every vector in one value
        return value

    # The dashboard names a region or organisation only once three people share it.
    shared = {
        "organisation": short("the members' organisation", 200, public=True),
        "region": short("the members' region", 100, public=True),
    }

    def person(role: str, councils=(), member: bool = False):
        user = accounts.create_user(
            # What an address may hold: a quote, backquotes, braces (RFC 5322's atext).
            f"{role}'onfocus='alert`1`'{{{{'xs'~'sti'}}}}@example.org",
            role,
            display_name=short(f"{role}'s display name", 120),
            organisation=shared["organisation"] if member else short(f"{role}'s organisation", 200),
            country=short(f"{role}'s country", 100),
            region=shared["region"] if member else short(f"{role}'s region", 100),
            councils=list(councils),
        )
        world.users[role] = user.id
        return user

    admin = person("admin")
    secretariat = person("secretariat", member=True)
    charter = drafting.create_charter(
        world.slug,
        short("charter title", 200, public=True),
        long_("charter summary", public=True),
    )
    document = "\n\n".join(
        [
            long_("preamble", public=True),
            "## " + short("section heading", 300, public=True),
            long_("section body", public=True),
            "## Article 2 — Equity",
            "Public services are open to all residents.",
        ]
    )
    first = drafting.commit_version(
        charter,
        text_sections.split(document),
        note=long_("version note", public=True),
        author=short("version author", 200, public=True),
    )
    drafting.publish(first, by="".join(VECTORS))  # kept, shown nowhere
    councils = [
        accounts.create_council(charter, name, long_("council description"), actor=admin)
        for name in shorts("council name", 120)
    ]
    sherpa = person("sherpa", councils, member=True)
    advisor = person("advisor", councils, member=True)
    partner = person("partner", member=True)
    process.advance(secretariat, charter, long_("stage move note"))
    process.advance(secretariat, charter, long_("stage move note"))
    stage = process.stage_at(charter, charter.stage_position)
    process.edit_stage(
        secretariat,
        stage,
        short("stage name", 120, public=True),
        long_("stage description", public=True),
        stage.opens.split(","),
        None,
        None,
    )
    themes = [manage.create_theme(secretariat, charter, name) for name in shorts("theme", 80)]
    theme_ids = [theme.id for theme in themes]
    question = manage.create_question(secretariat, charter, long_("guiding question"))
    keys = [section.key for section in queries.sections_of(first)]
    notifications.follow(secretariat, charter, "section", keys[1])
    notifications.follow(secretariat, charter, "question", question.id)

    answer = consultation.answer(partner, question, long_("answer"), themes=theme_ids)
    consultation.reply_to(sherpa, answer, long_("reply"))
    consultation.answer(secretariat, question, long_("the secretariat's answer"))
    annotation = consultation.comment_on_section(
        partner,
        charter,
        first,
        keys[1],
        long_("section comment"),
        themes=theme_ids,
        quote=VECTORS[0],
    )
    consultation.flag(sherpa, annotation, long_("flag reason"))
    hidden = consultation.comment_on_section(
        advisor, charter, first, keys[1], long_("hidden comment")
    )
    consultation.hide(secretariat, hidden, long_("hiding reason"))

    def propose(what: str, operations, **extra):
        return amendments.propose(
            sherpa,
            charter,
            queries.head_version(charter).number,
            operations,
            title=short(f"{what} title", 200),
            justification=long_(f"{what} justification"),
            themes=themes,
            questions=[question],
            **extra,
        )

    def modify(what: str) -> list[Operation]:
        return [Operation("modify", keys[1], text=long_(what))]

    submitted = propose("submitted amendment", modify("submitted amendment text"), submit=True)
    amendments.endorse(advisor, submitted)
    consultation.comment_on_amendment(advisor, submitted, long_("amendment discussion"))
    insert = Operation(
        "insert",
        "inserted-article",
        text=long_("inserted section body", public=True),
        heading=short("inserted section heading", 300, public=True),
        after=keys[1],
    )
    accepted = propose("merged amendment", [insert], submit=True)
    amendments.review(secretariat, accepted, True, long_("acceptance reason"))
    rejected = propose("rejected amendment", modify("rejected amendment text"), submit=True)
    amendments.review(secretariat, rejected, False, long_("rejection reason"))
    withdrawn = propose("withdrawn amendment", modify("withdrawn amendment text"), submit=True)
    amendments.withdraw(sherpa, withdrawn, long_("withdrawal reason"))
    drafted = propose("draft amendment", modify("draft amendment text"))  # its author's only

    second = merge.merge_amendments(
        secretariat,
        charter,
        [accepted.number],
        resolutions={},
        note=long_("merge note", public=True),
        expected_head=first.number,
    )
    merge.publish(secretariat, second)
    merge.record_decision(secretariat, second, "returned", long_("Bureau decision note"))
    draft = merge.direct_edit(
        secretariat,
        charter,
        [Operation("modify", keys[2], text=long_("direct edit text"))],
        note=long_("direct edit note"),
        expected_head=second.number,
    )
    translating.translate_section(
        secretariat,
        charter,
        queries.version_or_404(charter, second.number, secretariat),
        "fr",
        keys[1],
        heading=short("translated heading", 300, public=True),
        body=long_("translated body", public=True),
    )
    invitation, invitation_token = accounts.invite(
        admin, "invited@example.org", "partner", display_name=short("invitee's name", 120)
    )
    for user in (admin, secretariat):
        for name in shorts(f"{user.role}'s API token name", 80):
            tokens.create(user, name)
    webhook = Webhook(
        charter_id=charter.id,
        url="https://hooks.example.org/charter",
        events="version.published",
        created_by_id=secretariat.id,
    )
    db.session.add(webhook)
    db.session.flush()
    # Written by the receiving server, not by the form: inserted as the delivery would.
    db.session.add(
        WebhookDelivery(
            webhook_id=webhook.id,
            event="version.published",
            payload=json.dumps({"note": VECTORS[0]}),
            status="failed",
            last_error=short("webhook receiver's error", 200),
        )
    )
    reset = accounts.request_password_reset(partner.email)
    db.session.commit()
    notifications.deliver_pending()  # as the requests that wrote them would have, at their end
    db.session.commit()

    proposed = (drafted, submitted, accepted, rejected, withdrawn)
    world.arguments = {
        "slug": [charter.slug],
        # The first value of each is the one every role may see most of.
        "number": [second.number, first.number, draft.number],
        "old": [first.number, second.number],
        "new": [second.number, draft.number],
        "key": list(dict.fromkeys([keys[1], *(s.key for s in queries.sections_of(draft))])),
        "language": ["fr"],
        "code": ["fr"],
        "comment_id": list(db.session.scalars(sa.select(Comment.id))),
        "question_id": [question.id],
        "council_id": [council.id for council in councils],
        "user_id": list(world.users.values()),
        "amendment_id": [amendment.id for amendment in proposed],
        "webhook_id": [webhook.id],
        "notification_id": list(db.session.scalars(sa.select(Notification.id))),
        "filename": ["css/charter.css"],
        "theme_id": theme_ids,
        "token_id": list(db.session.scalars(sa.select(ApiToken.id))),
        "invitation_id": [invitation.id],
        "delivery_id": list(db.session.scalars(sa.select(WebhookDelivery.id))),
        "position": [stage.position],
    }
    world.by_endpoint = {
        ("public.download", "fmt"): list(DOWNLOAD_FORMATS),
        ("dossier.dossier", "fmt"): list(DOSSIER_FORMATS),
        ("accounts.accept_invitation", "token"): [invitation_token],
        ("accounts.reset_password", "token"): [reset[1]],
        ("notifications.unsubscribe", "token"): [notifications.unsubscribe_token(partner.id)],
        ("notifications.one_click", "token"): [notifications.unsubscribe_token(partner.id)],
        ("amendments", "number"): [amendment.number for amendment in proposed],
    }
    return world


# --- the walk ------------------------------------------------------------------------------

# Pages that show more with a query: a translation, the other diff view, search results.
SHOWING_MORE = {"lang": "fr", "view": "side", "q": "alert"}
# Formats made once (as the secretariat, for the first versions): slow, and alike for all.
SLOW_FORMATS = (".pdf", ".docx")


@dataclass(frozen=True)
class Path:
    endpoint: str
    path: str


def paths_to_walk(
    app: Flask, world: World, *, every_value: bool = True, method: str = "GET"
) -> list[Path]:
    """Every route of method with each seeded value of its arguments (or the first only)."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if method not in rule.methods:
            continue
        names = sorted(rule.arguments)
        choices = []
        for name in names:
            blueprint = rule.endpoint.split(".")[0]
            values = world.by_endpoint.get(
                (rule.endpoint, name),
                world.by_endpoint.get((blueprint, name), world.arguments.get(name)),
            )
            assert values, (
                f"{rule.rule}: the attack walk has no value for <{name}>; "
                "add one to tests/attacks.py:seed"
            )
            choices.append(values if every_value else values[:1])
        for combination in itertools.product(*choices):
            path = rule.build(dict(zip(names, combination, strict=True)), append_unknown=False)[1]
            found.append(Path(rule.endpoint, path))
    return found


def sign_in(client, user_id: int | None) -> None:
    """The client as this user (None: signed out)."""
    with client.session_transaction() as session:
        session.clear()
        if user_id is not None:
            user = db.session.get(accounts.User, user_id)
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


class _RecordingArgs(ImmutableMultiDict):
    """The query string, noting which names a view asked for."""

    read: set[str]

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


@contextmanager
def parameters_read(app: Flask) -> Iterator[set[str]]:
    """Within the block, the names of the query parameters the requests read (clear it)."""
    read: set[str] = set()
    original = app.request_class

    class RecordingRequest(original):
        @cached_property
        def args(self):
            args = _RecordingArgs(super().args)
            args.read = read
            return args

    app.request_class = RecordingRequest
    try:
        yield read
    finally:
        app.request_class = original


def api_parameters() -> dict[str, set[str]]:
    """The query parameters of each API endpoint, from its declared query schema."""
    return {
        f"api.{operation.endpoint}": set(operation.query.model_fields)
        for operation in OPERATIONS
        if operation.method == "GET" and operation.query is not None
    }


def form_field_names() -> set[str]:
    """The name of every field of every form of the app (its modules are imported)."""
    names, forms = set(), [FlaskForm]
    while forms:
        form = forms.pop()
        forms += form.__subclasses__()
        names |= {name for name in dir(form) if isinstance(getattr(form, name), UnboundField)}
    return names


# Every query parameter a view reads by name (grep request.args): the reflected walk sends
# each of them to every route, besides the ones the route was seen reading.
KNOWN_PARAMETERS = (
    "page", "q", "charter", "type", "theme", "council", "author", "state", "section",
    "sort", "from", "to", "newest", "view", "format", "lang", "next", "version", "role",
    "status", "action", "actor", "object_type", "object_id", "since", "until", "kind",
    "cursor", "limit",
)  # fmt: skip


# --- the checks ----------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math"}
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20]")
CODE = re.compile(r"Q\d{3}")


def _dangerous_url(value: str) -> bool:
    """Whether a browser would run this URL (it drops controls and spaces first)."""
    cleaned = _CONTROL_OR_SPACE.sub("", value).lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:text/html"))


class _Inspector(HTMLParser):
    """Everything in a page that would run a script, as a browser parses it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: an event handler")
            if name in URL_ATTRIBUTES and value and _dangerous_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
        if tag == "script" and not dict(attrs).get("src"):
            self.problems.append("<script> with inline code")
            self._in_script = True
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}>: an element no page has")
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() not in (
            "",
            "content-security-policy",
        ):
            self.problems.append(f"<meta http-equiv={dict(attrs)['http-equiv']!r}>")

    handle_startendtag = handle_starttag


def html_problems(html: str) -> list[str]:
    """Why this HTML would run an attacker's script (empty: it would not)."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    problems = inspector.problems
    # (A quote needs no escaping in text: href="javascript: may be shown as it was typed.)
    for raw in ("<script>alert", "<img src=x onerror", "<svg onload"):
        if raw in html:
            problems.append(f"{raw!r} unescaped")
    if EVALUATED in html:
        problems.append("template syntax in a user's text was evaluated")
    return problems


def _feed_problems(body: bytes) -> list[str]:
    """An Atom feed: well-formed XML whatever the titles hold, and safe HTML content."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        return [f"not well-formed XML: {error}"]
    problems = []
    for element in root.iter():
        kind = element.get("type")
        if kind == "html":
            problems += html_problems(element.text or "")
        elif kind == "xhtml":
            problems += html_problems(ElementTree.tostring(element, encoding="unicode"))
        href = element.get("href")
        if href and _dangerous_url(href):
            problems.append(f"a feed link to {href!r}")
    return problems


def _pdf_problems(body: bytes) -> list[str]:
    """A PDF: no JavaScript action and no link to a script URL, even in compressed streams."""
    chunks = [body]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.DOTALL):
        with suppress(zlib.error):  # not every stream is compressed
            chunks.append(zlib.decompress(stream.group(1)))
    problems = []
    for chunk in chunks:
        if re.search(rb"/S\s*/JavaScript|/JS\s*[(<]", chunk):
            problems.append("a JavaScript action in the PDF")
        if re.search(rb"/URI\s*\(\s*(?:javascript|vbscript|data):", chunk, re.IGNORECASE):
            problems.append("a PDF link to a script URL")
    return problems


def _docx_problems(body: bytes) -> list[str]:
    """A Word file: well-formed XML parts, no link to a script URL."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            try:
                root = ElementTree.fromstring(archive.read(name))
            except ElementTree.ParseError as error:
                problems.append(f"{name} is not well-formed: {error}")
                continue
            for element in root.iter():
                target = element.get("Target")
                if target and _dangerous_url(target):
                    problems.append(f"{name} links to {target!r}")
    return problems


def fetch(client, path: str, **options):
    """GET path, the body read and the response closed (a static file's too)."""
    response = client.get(path, **options)
    response.get_data()
    response.close()
    return response


# The test database is built without migrations: readiness says so, rightly.
EXPECTED_ERRORS = {"health.readyz": 503}


def check_response(response, endpoint: str = "") -> list[str]:
    """What in this response would run an attacker's script, by its content type."""
    mimetype = response.mimetype
    body = response.get_data()
    if response.status_code >= 500 and EXPECTED_ERRORS.get(endpoint) != response.status_code:
        return [f"answered {response.status_code}"]
    location = response.headers.get("Location", "")
    if location and _dangerous_url(location):
        return [f"redirects to {location!r}"]
    if mimetype in ("text/html", "application/xhtml+xml"):
        return html_problems(body.decode())
    if mimetype == "application/atom+xml":
        return _feed_problems(body)
    if mimetype == "application/json":
        json.loads(body)  # plain data: a browser never renders it (nosniff below)
        return [] if response.headers.get("X-Content-Type-Options") == "nosniff" else ["sniffable"]
    if mimetype == "application/pdf":
        return _pdf_problems(body)
    if mimetype.endswith("wordprocessingml.document"):
        return _docx_problems(body)
    if mimetype in ("text/markdown", "text/plain", "text/css", "text/javascript"):
        # The text as typed, shown as text: never rendered, never sniffed into HTML.
        sniffable = response.headers.get("X-Content-Type-Options") != "nosniff"
        return ["a text file a browser may sniff as HTML"] if sniffable else []
    return [f"an unexpected content type {mimetype!r}"]


def codes_in(response) -> set[str]:
    """The codes of the seeded fields this response shows."""
    if response.mimetype in ("application/pdf",) or "officedocument" in response.mimetype:
        return set()
    return set(CODE.findall(response.get_data(as_text=True)))


# --- the database ---------------------------------------------------------------------------

_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


@contextmanager
def tables_written() -> Iterator[set[str]]:
    """Within the block, the tables an INSERT, UPDATE or DELETE was sent to."""
    written: set[str] = set()

    def before(_connection, _cursor, statement: str, *_args) -> None:
        if found := _WRITE.match(statement):
            written.add(found.group(1))

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield written
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)


def database_rows() -> dict[str, dict[tuple, dict[str, str]]]:
    """Every row of every table as committed (read on a connection of its own), by key."""
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            key = [column.name for column in table.primary_key.columns] or list(table.c.keys())
            rows[table.name] = {
                tuple(row[name] for name in key): {name: repr(value) for name, value in row.items()}
                for row in connection.execute(sa.select(table)).mappings()
            }
    return rows


def changes(before: dict, after: dict) -> list[str]:
    """What differs: rows that came or went, and table.column of the cells that changed."""
    found = []
    for table, rows in after.items():
        old = before[table]
        if rows == old:
            continue
        if rows.keys() != old.keys():
            found.append(f"{table}: rows {sorted(old.keys() ^ rows.keys())} came or went")
        for key in rows.keys() & old.keys():
            found += [
                f"{table}.{column}"
                for column, value in rows[key].items()
                if old[key][column] != value
            ]
    return sorted(set(found))
