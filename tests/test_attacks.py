"""Attacks on every page at once: stored and reflected script injection, SQL-ish filters and
sorts, writes on GET.

One charter is seeded through the services with an attack in every field a person types
(tests/attacks.py), then the GET routes are walked from the app's URL map with the seeded
ids filled in: a new page is covered without touching this file, and a route argument the
walk cannot fill fails it, saying which. The secretariat, who may see nearly everything,
walks every seeded value; the public, an admin and a sherpa walk each route once, with the
values they see most of. Each test's assertion message carries its figures.
"""

from __future__ import annotations

from collections import defaultdict

from tests.attacks import (
    KNOWN_PARAMETERS,
    MARKDOWN_VECTORS,
    REFLECTED,
    SHOWING_MORE,
    SLOW_FORMATS,
    VECTORS,
    Path,
    api_parameters,
    changes,
    check_response,
    codes_in,
    database_rows,
    fetch,
    parameters_read,
    paths_to_walk,
    seed,
    sign_in,
    tables_written,
)

ROLES = ("secretariat", "anonymous", "admin", "sherpa")


def test_stored_attacks_come_back_inert_on_every_page_feed_export_and_api(app):
    """Pages: no element, event handler or script URL of an attack; feeds: well-formed, their
    HTML content as safe; JSON and Markdown: never sniffed as HTML; PDF and Word files: no
    script link. And every seeded field was shown somewhere (so the walk proves something),
    each public one to the public."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    world = seed()
    client = app.test_client()
    every, once = paths_to_walk(app, world), paths_to_walk(app, world, every_value=False)
    requests, problems, seen, more = 0, [], defaultdict(set), []
    for role in ROLES:
        sign_in(client, world.users.get(role))
        paths = every if role == "secretariat" else once
        slow = set()
        with parameters_read(app) as read:
            for target in paths + more:
                if target.path.endswith(SLOW_FORMATS):
                    kind = (target.endpoint, target.path.rsplit(".", 1)[1])
                    if role != "secretariat" or kind in slow:
                        continue  # slow to make, and alike for everyone: once
                    slow.add(kind)
                read.clear()
                response = fetch(client, target.path)
                requests += 1
                problems += [
                    f"{role} GET {target.path}: {problem}"
                    for problem in check_response(response, target.endpoint)
                ]
                seen[role] |= codes_in(response)
                query = "&".join(f"{k}={v}" for k, v in SHOWING_MORE.items() if k in read)
                if role == "secretariat" and target in once and query:
                    # The same page showing more: a translation, side by side, results.
                    more.append(Path(target.endpoint, f"{target.path}?{query}"))

    figures = (
        f"{len(every)} pages (+{len(more)} with ?lang/?view/?q) walked as {len(ROLES)} roles: "
        f"{requests} requests; {len(world.codes)} seeded fields, each with "
        f"{len(VECTORS)} vectors (+{len(MARKDOWN_VECTORS)} in Markdown fields)"
    )
    assert not problems, figures + "\n" + "\n".join(problems[:40])
    shown = set().union(*seen.values())
    never_shown = {code: world.codes[code] for code in world.codes.keys() - shown}
    assert not never_shown, f"{figures}: fields no page showed: {never_shown}"
    hidden_from_public = {
        code: world.codes[code] for code in world.public_codes - seen["anonymous"]
    }
    assert not hidden_from_public, f"{figures}: public fields the public never saw"


def _routes_as_each_role(app, world):
    """Each route once, as the secretariat; as the public, those it sends the secretariat
    away from (sign-in, invitation, reset pages)."""
    client = app.test_client()
    found = []
    sign_in(client, world.users["secretariat"])
    for target in paths_to_walk(app, world, every_value=False):
        if target.path.endswith(SLOW_FORMATS):
            continue
        found.append(("secretariat", target))
        if fetch(client, target.path).status_code != 200:
            found.append(("anonymous", target))
    return client, found


def test_query_parameters_are_never_reflected_as_live_html(app):
    """Each route with every known parameter at once, then with each it reads (or the API
    declares) alone, holding an attack."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    world = seed()
    client, routes = _routes_as_each_role(app, world)
    from_api = api_parameters()
    everything = {name: REFLECTED for name in KNOWN_PARAMETERS}
    requests, problems, tried = 0, [], set()
    for role, target in routes:
        sign_in(client, world.users.get(role))
        with parameters_read(app) as read:
            fetch(client, target.path)
            queries = [everything]
            responses = [fetch(client, target.path, query_string=everything)]
        # The API reads every name it is sent, and declares the ones it takes.
        names = sorted(from_api.get(target.endpoint) or read)
        for name in names:
            queries.append({name: REFLECTED})
            responses.append(fetch(client, target.path, query_string={name: REFLECTED}))
        for query, response in zip(queries, responses, strict=True):
            requests += 1
            tried |= query.keys() if len(query) == 1 else set()
            problems += [
                f"{role} GET {target.path}?{'&'.join(query)}: {problem}"
                for problem in check_response(response, target.endpoint)
            ]
    figures = (
        f"{len(routes)} routes and roles, {len(KNOWN_PARAMETERS)} known parameters at once "
        f"and {len(tried)} one by one where read: {requests} requests"
    )
    assert not problems, figures + "\n" + "\n".join(problems[:40])


# Values a filter or a sort may be sent to reach the SQL behind it.
SQLISH = (
    "nomatch' OR '1'='1",
    'nomatch" OR "1"="1',
    "nomatch;DROP TABLE amendment;--",
    "%_%",
    "1 OR 1=1",
    "'",
    "nomatch\x00",
    "nomatch" * 2000,
    "n\u00f6m\u00e4tch \U0001f600 \u202e\u05d0",
    "99999999999999999999",
)
# A value no row holds: a filter lists nothing for it (or, refusing it, everything). The
# first SQLISH values hold no row either: where NO_MATCH lists nothing, they must too.
NO_MATCH = "nomatch"
INJECTIONS = SQLISH[:4]


def test_filters_and_sorts_take_sql_as_a_plain_value(app):
    """Each parameter a page or the API reads, sent SQL: a 200, or a 400/404 that says why,
    never a 500; and the listing is the one for a value no row holds, or (a value refused)
    the one without the parameter, never more. The seeded fields' codes stand for the rows."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    world = seed()
    client, routes = _routes_as_each_role(app, world)
    from_api = api_parameters()
    requests, problems, pairs, ignored = 0, [], 0, set()
    for role, target in routes:
        role = "admin" if target.endpoint.startswith("admin.") else role  # its own pages
        sign_in(client, world.users.get(role))
        with parameters_read(app) as read:
            base = fetch(client, target.path)
        if base.status_code != 200 or target.path.endswith((".md", ".json", ".html", ".atom")):
            continue
        everything = codes_in(base)
        names = from_api.get(target.endpoint) or read
        for name in sorted(names - {"next", "lang"}):  # where to go next, the page's language
            pairs += 1
            nothing = codes_in(fetch(client, target.path, query_string={name: NO_MATCH}))
            for value in SQLISH:
                response = fetch(client, target.path, query_string={name: value})
                requests += 1
                where = f"{role} GET {target.path}?{name}={value[:30]!r}"
                listed = codes_in(response)
                applied = value in INJECTIONS and nothing != everything
                allowed = nothing if applied else everything | nothing
                if response.status_code not in (200, 302, 400, 404):
                    problems.append(f"{where}: answered {response.status_code}")
                elif response.status_code in (400, 404) and not _explained(response):
                    problems.append(f"{where}: a {response.status_code} that says nothing")
                elif not listed <= allowed and not (
                    listed <= allowed | _found_word_by_word(client, target, name, value)
                ):
                    problems.append(f"{where}: lists rows {sorted(listed - nothing)}")
                elif listed == everything != nothing and value.startswith(NO_MATCH):
                    ignored.add(f"{target.endpoint}?{name}")  # refused, so not applied
    figures = (
        f"{pairs} (route, parameter) pairs x {len(SQLISH)} values: {requests} requests; "
        f"filters that ignore a value they cannot take: {sorted(ignored)}"
    )
    assert pairs > 20 and not problems, figures + "\n" + "\n".join(problems[:40])


def _found_word_by_word(client, target: Path, name: str, value: str) -> set[str]:
    """What a text search finds for the words of value, each alone (it looks for words:
    "1 OR 1=1" finds the texts that hold a 1)."""
    if name != "q":
        return set()
    found = set()
    for word in value.split()[:5]:
        found |= codes_in(fetch(client, target.path, query_string={name: word}))
    return found


def _explained(response) -> bool:
    """Whether an error answer says what was wrong (a JSON message, or a page's heading)."""
    if response.is_json:
        return bool(response.json.get("error", {}).get("message"))
    return "<h1" in response.get_data(as_text=True)


# GETs that record that their reader has seen something: nothing else may change. (The
# write stamp follows every write: a new one tells the caches that something changed.)
READ_TRACKING = {
    "accounts.account": {"notification", "write_stamp"},  # lists them, marked read
    "notifications.show": {"notification", "write_stamp"},  # opening one marks it read
}
READ_TRACKING_CELLS = {"notification.read_at", "write_stamp.stamp"}


def test_no_get_changes_a_row_of_the_database(app):
    """Every statement a GET sends is watched (INSERT, UPDATE, DELETE name their table), and
    every row of every table is compared before and after the walk."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    world = seed()
    client = app.test_client()
    every, once = paths_to_walk(app, world), paths_to_walk(app, world, every_value=False)
    problems, tracked, requests = [], set(), 0
    before = database_rows()
    for role in ("admin", "secretariat", "sherpa", "anonymous"):
        sign_in(client, world.users.get(role))
        for target in every if role in ("admin", "secretariat") else once:
            if target.path.endswith(SLOW_FORMATS):
                continue
            with tables_written() as written:
                fetch(client, target.path)
            requests += 1
            allowed = READ_TRACKING.get(target.endpoint, set())
            tracked |= {f"{target.endpoint}: {table}" for table in written & allowed}
            if written - allowed:
                problems.append(f"{role} GET {target.path} wrote to {sorted(written - allowed)}")
    changed = set(changes(before, database_rows())) - READ_TRACKING_CELLS
    figures = f"{len(every)} pages, 4 roles: {requests} requests; read-tracking: {sorted(tracked)}"
    assert not problems and not changed, f"{figures}; changed: {changed}\n" + "\n".join(problems)
    assert tracked, figures  # the walk reached the pages that do track reading
