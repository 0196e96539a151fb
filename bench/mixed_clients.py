"""The people of the mixed load run (bench/mixed.py), over real HTTP: anonymous readers,
sherpas who comment, propose, co-sign and withdraw amendments, and a secretariat that
reviews, merges and publishes. Each signs in at /login and fills the forms it is given,
as a browser would (the CSRF token included).

Every request is timed by kind; every write the server confirms (a redirect after a POST)
goes into the ledger, which bench/mixed.py compares with the database afterwards.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import requests

from bench.forms import Form, find_form, location_path

SLUG = "lampedusa"
CHARTER = f"/charters/{SLUG}"
TIMEOUT = 60  # seconds: a request slower than this counts as failed
WORDS = ["housing", "health", "education", "work", "dignity", "participation", "mobility"]
ADJECTIVES = ["inclusive", "accessible", "affordable", "public", "local", "fair", "timely"]


# --- what everyone saw ----------------------------------------------------------------------


class Stats:
    """Every request: its kind, its answer (a status, or the name of a network error), its
    time, and whether it was the answer hoped for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rows: list[tuple[str, int | str, float, bool]] = []

    def record(self, kind: str, status: int | str, seconds: float, ok: bool) -> None:
        with self._lock:
            self.rows.append((kind, status, seconds, ok))


@dataclass
class Ledger:
    """The writes the server confirmed, as the clients saw them."""

    comments: Counter = field(default_factory=Counter)  # by e-mail
    proposed: dict[int, str] = field(default_factory=dict)  # amendment number -> author
    endorsed: set[tuple[int, str]] = field(default_factory=set)
    withdrawn: set[int] = field(default_factory=set)
    accepted: set[int] = field(default_factory=set)
    rejected: set[int] = field(default_factory=set)
    merged: dict[int, list[int]] = field(default_factory=dict)  # version -> amendments
    published: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Run:
    base: str
    stats: Stats
    ledger: Ledger
    deadline: float
    sections: list[str]  # the section keys of the charter
    errors: list[str] = field(default_factory=list)  # what a client could not make sense of

    def over(self) -> bool:
        return time.monotonic() >= self.deadline


# --- the people -----------------------------------------------------------------------------


class Person:
    """One browser: its cookies, its requests timed by kind."""

    def __init__(self, run: Run, name: str, seed: int) -> None:
        self.run = run
        self.name = name
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.totp_secret: str | None = None  # the key of the second factor, once set up

    def call(
        self, kind: str, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs
    ) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.run.base + path, allow_redirects=False, timeout=TIMEOUT, **kwargs
            )
            status: int | str = response.status_code
        except requests.RequestException as error:
            response, status = None, type(error).__name__
        self.run.stats.record(kind, status, time.perf_counter() - started, status in expect)
        return response

    def post_form(
        self, kind: str, path: str, form: Form, data: list[tuple[str, str]], expect=(302,)
    ) -> requests.Response | None:
        target = form.action or path
        return self.call(kind, "POST", target, expect, data=data)

    def note(self, problem: str) -> None:
        self.run.errors.append(f"{self.name}: {problem}")

    def pause(self, low: float, high: float) -> None:
        time.sleep(self.rng.uniform(low, high))

    def sign_in(self, email: str, password: str) -> bool:
        """Sign in like a person: the form, then the second factor when the role needs it."""
        page = self.call("sign in", "GET", "/login")
        form = page is not None and find_form(page.text, has="password")
        if not form:
            self.note("no sign-in form")
            return False
        answer = self.post_form(
            "sign in", "/login", form, form.data(email=email, password=password)
        )
        if answer is None or answer.status_code != 302:
            self.note(f"sign-in refused ({answer.status_code if answer else 'no answer'})")
            return False
        step = location_path(answer)
        if step in ("/login/setup", "/login/code"):
            return self._second_factor(step)
        return True

    def _second_factor(self, path: str) -> bool:
        import pyotp  # only roles with a second factor need it

        page = self.call("sign in", "GET", path)
        if page is None or page.status_code != 200:
            self.note(f"{path} answered {page.status_code if page else 'nothing'}")
            return False
        if path == "/login/setup":
            secret = re.search(r'class="secret-key">([^<]+)<', page.text)
            if secret is None:
                self.note("no key on the two-factor set-up page")
                return False
            self.totp_secret = secret.group(1).replace(" ", "")
        form = find_form(page.text, has="code")
        if form is None or self.totp_secret is None:
            self.note(f"no code form on {path}, or no key to make a code with")
            return False
        code = pyotp.TOTP(self.totp_secret).now()
        answer = self.post_form("sign in", path, form, form.data(code=code), expect=(200, 302))
        return answer is not None and answer.status_code in (200, 302)


class Reader(Person):
    """Anyone, not signed in: pages, comparisons, search, feeds, downloads and the API."""

    def __init__(self, run: Run, name: str, seed: int) -> None:
        super().__init__(run, name, seed)
        self.published = [1]

    def refresh(self) -> None:
        answer = self.call("read: api", "GET", f"/api/v1{CHARTER}/versions")
        if answer is not None and answer.status_code == 200:
            numbers = [item["number"] for item in answer.json()["items"] if item["published"]]
            self.published = numbers or self.published

    def act(self) -> None:
        rng, number = self.rng, self.rng.choice(self.published)
        older, newer = sorted(rng.sample(self.published, 2)) if len(self.published) > 1 else (1, 1)
        key, word = rng.choice(self.run.sections), rng.choice(WORDS)
        pages = [
            (3, "read: latest", CHARTER),
            (3, "read: version page", f"{CHARTER}/versions/{number}"),
            (1, "read: history", f"{CHARTER}/versions"),
            (2, "read: compare", f"{CHARTER}/compare/{older}/{newer}"),
            (1, "read: section and comments", f"{CHARTER}/sections/{key}/comments"),
            (1, "read: provenance", f"{CHARTER}/versions/{number}/provenance"),
            (2, "read: search", f"{CHARTER}/search?q={word}"),
            (1, "read: search", f"/search?q={word}"),
            (1, "read: feed", f"{CHARTER}/feed.atom"),
            (1, "read: feed", "/feed.atom"),
            (1, "read: api", f"/api/v1{CHARTER}/versions/{number}"),
            (1, "read: api", f"/api/v1{CHARTER}/compare/{older}/{newer}"),
            (
                1,
                "read: download",
                f"{CHARTER}/versions/{number}/download.{rng.choice(['md', 'html', 'json'])}",
            ),
            (1, "read: dashboard", f"{CHARTER}/dashboard"),
            (1, "read: large charter", "/charters/big"),
        ]
        weights = [weight for weight, _, _ in pages]
        _, kind, path = rng.choices(pages, weights)[0]
        self.call(kind, "GET", path)

    def live(self) -> None:
        count = 0
        while not self.run.over():
            if count % 25 == 0:
                self.refresh()
            self.act()
            count += 1


class Sherpa(Person):
    """A Policy Council sherpa: reads the drafts and amendments, comments, proposes, co-signs
    others' amendments, sometimes withdraws one of their own."""

    # The server refuses more than 5 comments a minute and 60 an hour from one person; a
    # person who writes with care stays under that.
    COMMENT_PACE = ((4, 61.0), (55, 3600.0))

    def __init__(self, run: Run, name: str, seed: int, email: str, password: str) -> None:
        super().__init__(run, name, seed)
        self.email, self.password = email, password
        self.commented: list[float] = []
        self.mine: list[int] = []  # own amendments awaiting review, as far as they know

    def may_comment(self) -> bool:
        now = time.monotonic()
        return all(
            sum(1 for at in self.commented if now - at < seconds) < count
            for count, seconds in self.COMMENT_PACE
        )

    def live(self) -> None:
        if not self.sign_in(self.email, self.password):
            return
        actions = [
            (4, self.browse),
            (3, self.propose),
            (2, self.comment_on_section),
            (1, self.discuss_amendment),
            (1, self.cosign),
            (0.3, self.withdraw),
        ]
        while not self.run.over():
            action = self.rng.choices([a for _, a in actions], [w for w, _ in actions])[0]
            action()
            self.pause(0.2, 1.0)

    def browse(self) -> None:
        key = self.rng.choice(self.run.sections)
        path = self.rng.choice(
            [
                f"{CHARTER}/amendments",
                f"{CHARTER}/amendments?state=submitted",
                f"{CHARTER}/amendments?section={key}",
                f"{CHARTER}/sections/{key}/comments",
                CHARTER,
            ]
        )
        self.call("sherpa: browse", "GET", path)

    def _submitted(self) -> list[int]:
        page = self.call("sherpa: browse", "GET", f"{CHARTER}/amendments?state=submitted")
        if page is None or page.status_code != 200:
            return []
        return sorted(
            {int(n) for n in re.findall(rf'href="{CHARTER}/amendments/(\d+)"', page.text)}
        )

    def propose(self) -> None:
        key = self.rng.choice(self.run.sections)
        path = f"{CHARTER}/amendments/new?kind=modify&section={key}"
        page = self.call("sherpa: propose, form", "GET", path)
        form = page is not None and page.status_code == 200 and find_form(page.text, has="text")
        if not form:
            self.note(f"no amendment form for {key}")
            return
        text = self._edited(form.get("text") or "")
        data = form.data(
            "send",
            text=text,
            justification=f"{self.name}: the section should say it plainly.",
        )
        for _attempt in range(2):
            answer = self.post_form("sherpa: propose", path, form, data, expect=(302,))
            if answer is None:
                return
            if answer.status_code == 302:
                number = int(location_path(answer).rsplit("/", 1)[1])
                with self.run.ledger.lock:
                    self.run.ledger.proposed[number] = self.email
                self.mine.append(number)
                return
            if answer.status_code != 409:
                return
            # The draft moved while they wrote: the page keeps the text; send it again.
            form = find_form(answer.text, has="text")
            if form is None:
                return
            data = form.data("send")

    def _edited(self, body: str) -> str:
        """The section with one adjective added before a plain word of one of its lines."""
        lines = body.split("\n")
        candidates = [
            (row, column)
            for row, line in enumerate(lines)
            if line and not line.startswith(("#", ">", "|"))
            for column, word in enumerate(line.split(" "))
            if word.isalpha() and word.islower() and len(word) > 4
        ]
        if not candidates:
            return body + f"\n\nAll of this applies {self.rng.choice(ADJECTIVES)}ly.\n"
        row, column = self.rng.choice(candidates)
        words = lines[row].split(" ")
        words.insert(column, self.rng.choice(ADJECTIVES))
        lines[row] = " ".join(words)
        return "\n".join(lines)

    def comment_on_section(self) -> None:
        if not self.may_comment():
            return self.browse()
        key = self.rng.choice(self.run.sections)
        path = f"{CHARTER}/sections/{key}/comments"
        page = self.call("sherpa: comment, form", "GET", path)
        form = page is not None and page.status_code == 200 and find_form(page.text, has="quote")
        if not form:
            self.note(f"no comment form on {key}")
            return None
        body = f"{self.name} on {key}: what does this mean for {self.rng.choice(WORDS)}?"
        self.commented.append(time.monotonic())
        answer = self.post_form("sherpa: comment", path, form, form.data(body=body))
        if answer is not None and answer.status_code == 302:
            with self.run.ledger.lock:
                self.run.ledger.comments[self.email] += 1
        return None

    def discuss_amendment(self) -> None:
        if not self.may_comment():
            return self.browse()
        numbers = list(self.run.ledger.proposed)
        if not numbers:
            return self.comment_on_section()
        number = self.rng.choice(numbers[-20:])
        path = f"{CHARTER}/amendments/{number}"
        page = self.call("sherpa: amendment page", "GET", path)
        form = page is not None and page.status_code == 200
        form = form and find_form(page.text, action=f"/amendments/{number}/comments")
        if not form:
            return None  # the discussion is closed for this one (e.g. a draft of another)
        self.commented.append(time.monotonic())
        body = f"{self.name}: I would support this with a word on {self.rng.choice(WORDS)}."
        answer = self.post_form("sherpa: comment", path, form, form.data(body=body))
        if answer is not None and answer.status_code == 302:
            with self.run.ledger.lock:
                self.run.ledger.comments[self.email] += 1
        return None

    def cosign(self) -> None:
        others = [n for n in self._submitted() if n not in self.mine]
        others = [n for n in others if (n, self.email) not in self.run.ledger.endorsed]
        if not others:
            return
        number = self.rng.choice(others)
        page = self.call("sherpa: amendment page", "GET", f"{CHARTER}/amendments/{number}")
        form = page is not None and page.status_code == 200
        form = form and find_form(page.text, action=f"/amendments/{number}/endorse")
        if not form:
            return  # reviewed meanwhile, or not theirs to co-sign
        answer = self.post_form("sherpa: co-sign", "", form, form.data(), expect=(302,))
        if answer is not None and answer.status_code == 302:
            with self.run.ledger.lock:
                self.run.ledger.endorsed.add((number, self.email))

    def withdraw(self) -> None:
        if not self.mine:
            return
        number = self.mine.pop()  # the newest: the likeliest still awaiting review
        page = self.call("sherpa: amendment page", "GET", f"{CHARTER}/amendments/{number}")
        form = page is not None and page.status_code == 200
        form = form and find_form(page.text, action=f"/amendments/{number}/withdraw")
        if not form:
            return  # reviewed already
        answer = self.post_form("sherpa: withdraw", "", form, form.data())
        if answer is not None and answer.status_code == 302:
            with self.run.ledger.lock:
                self.run.ledger.withdrawn.add(number)


class Secretariat(Person):
    """Reviews the submitted amendments (mostly accepts), merges the accepted ones now and
    then through the merge workspace, and publishes every other new version."""

    def __init__(self, run: Run, name: str, seed: int, email: str, password: str) -> None:
        super().__init__(run, name, seed)
        self.email, self.password = email, password
        self.last_merge = time.monotonic()

    def live(self) -> None:
        if not self.sign_in(self.email, self.password):
            return
        while not self.run.over():
            self.review()
            if time.monotonic() - self.last_merge > 10:
                self.merge()
                self.last_merge = time.monotonic()
            self.pause(0.5, 1.5)

    def review(self) -> None:
        page = self.call(
            "secretariat: amendments", "GET", f"{CHARTER}/amendments?state=submitted&sort=oldest"
        )
        if page is None or page.status_code != 200:
            return
        numbers = sorted(
            {int(n) for n in re.findall(rf'href="{CHARTER}/amendments/(\d+)"', page.text)}
        )
        for number in numbers[:3]:
            if self.run.over():
                return
            path = f"{CHARTER}/amendments/{number}"
            shown = self.call("secretariat: amendment page", "GET", path)
            form = shown is not None and shown.status_code == 200
            form = form and find_form(shown.text, action=f"/amendments/{number}/review")
            if not form:
                continue  # withdrawn meanwhile
            accept = self.rng.random() < 0.8
            data = form.data(
                reason="Consistent with the text." if accept else "Out of scope.",
                decision="accept" if accept else "reject",
            )
            answer = self.post_form("secretariat: review", path, form, data)
            if answer is not None and answer.status_code == 302:
                with self.run.ledger.lock:
                    (self.run.ledger.accepted if accept else self.run.ledger.rejected).add(number)

    def merge(self) -> None:
        path = f"{CHARTER}/merge"
        page = self.call("secretariat: merge workspace", "GET", path)
        form = page is not None and page.status_code == 200 and find_form(page.text, has="head")
        if not form:
            self.note("no merge form")
            return
        chosen = form.choices.get("amendment", [])[:6]
        if not chosen:
            return
        picks = [("amendment", number) for number in chosen]
        preview = self.post_form(
            "secretariat: merge preview", path, form, form.data("preview") + picks, expect=(200,)
        )
        if preview is None or preview.status_code != 200:
            return
        # Conflicts are settled with the text the workspace proposes; one that cannot be
        # settled by text leaves its amendment out.
        unsettled = set(re.findall(r"leave amendment (\d+) out of this merge", preview.text))
        picks = [pick for pick in picks if pick[1] not in unsettled]
        form = find_form(preview.text, has="head")
        if form is None or not picks:
            return
        data = [item for item in form.data("merge") if item[0] != "amendment"] + picks
        answer = self.post_form("secretariat: merge", path, form, data)
        if answer is None or answer.status_code != 302:
            return
        version = int(location_path(answer).rsplit("/", 1)[1])
        with self.run.ledger.lock:
            self.run.ledger.merged[version] = [int(number) for _, number in picks]
        if version % 2 == 0:
            self.publish(version)

    def publish(self, version: int) -> None:
        path = f"{CHARTER}/versions/{version}"
        page = self.call("secretariat: version page", "GET", path)
        form = page is not None and page.status_code == 200
        form = form and find_form(page.text, action=f"/versions/{version}/publish")
        if not form:
            self.note(f"no publish form on version {version}")
            return
        answer = self.post_form("secretariat: publish", path, form, form.data())
        if answer is not None and answer.status_code == 302:
            with self.run.ledger.lock:
                self.run.ledger.published.add(version)


def by_kind(stats: Stats) -> dict[str, list[tuple[int | str, float, bool]]]:
    rows: dict[str, list[tuple[int | str, float, bool]]] = defaultdict(list)
    for kind, status, seconds, ok in stats.rows:
        rows[kind].append((status, seconds, ok))
    return dict(sorted(rows.items()))
