"""Plain factory functions for tests."""

from __future__ import annotations

import itertools
from datetime import datetime

import sqlalchemy as sa

from charter.drafting import queries, services
from charter.drafting.models import Charter, Version
from charter.extensions import db
from charter.text import sections as text_sections

_numbers = itertools.count(1)

DOCUMENT = """The cities of the network adopt this charter.

## Article 1 — Dignity

Every person is welcome in the city.

## Article 2 — Equity

Public services are open to all residents.
"""


def make_charter(slug: str | None = None, title: str = "Test charter", **kwargs) -> Charter:
    """A charter with no versions."""
    charter = services.create_charter(slug or f"charter-{next(_numbers)}", title, **kwargs)
    db.session.commit()
    return charter


def make_version(
    charter: Charter,
    document: str = DOCUMENT,
    *,
    publish: bool = True,
    note: str = "A version",
    author: str = "Secretariat",
    created_at: datetime | None = None,
) -> Version:
    """Commit the next version of a charter from a Markdown document, keys carried over."""
    parent = queries.head_version(charter)
    parsed = text_sections.split(document)
    if parent is not None:
        from charter.drafting.queries import sections_of

        parsed = text_sections.carry_keys(parsed, list(sections_of(parent)))
    version = services.commit_version(
        charter, parsed, note=note, author=author, created_at=created_at
    )
    if publish:
        services.publish(version, by=author)
    db.session.commit()
    return version


def make_user(
    role: str = "sherpa",
    *,
    email: str | None = None,
    password: str | None = None,
    councils=(),
    name: str = "",
    active: bool = True,
):
    """A user; no password (fast) unless one is given."""
    from charter.accounts import services as accounts

    user = accounts.create_user(
        email or f"{role}-{next(_numbers)}@example.org",
        role,
        password=password,
        display_name=name,
        councils=list(councils),
    )
    user.active = active
    db.session.commit()
    return user


def make_council(charter: Charter, name: str | None = None):
    """A Policy Council of a charter."""
    from charter.accounts import services as accounts

    council = accounts.create_council(charter, name or f"Council {next(_numbers)}")
    db.session.commit()
    return council


def tamper(statement: str) -> None:
    """Run a statement as the database's owner could: going around its refusal of history
    changes (charter.database triggers), to show what `flask verify` then finds."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:
            names = connection.execute(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append%'"
                )
            )
            for (name,) in names.all():
                connection.execute(sa.text(f'DROP TRIGGER "{name}"'))
        connection.execute(sa.text(statement))


def set_up_two_factor(client, path: str = "/login/setup") -> str:
    """Answer a two-factor setup page as a person with an authenticator app would: read the
    key it shows and send the current code. Returns the key (for later codes)."""
    import re

    import pyotp

    page = client.get(path).get_data(as_text=True)
    secret = re.search(r'<code class="secret-key">([A-Z2-7]+)</code>', page).group(1)
    response = client.post(path, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Your recovery codes" in response.get_data(as_text=True)
    return secret
