"""Load the demo charter, its councils and one account per role into the database."""

from __future__ import annotations

import sqlalchemy as sa

from charter import demo
from charter.accounts import services as accounts
from charter.accounts.models import User
from charter.drafting import services
from charter.drafting.models import Charter
from charter.extensions import db
from charter.text import sections


def load_demo() -> Charter | None:
    """Create the demo charter, councils and accounts; None when it exists already."""
    if db.session.scalar(sa.select(Charter.id).where(Charter.slug == demo.SLUG)) is not None:
        return None
    charter = services.create_charter(demo.SLUG, demo.TITLE, demo.SUMMARY)
    previous: list[sections.Section] = []
    for spec in demo.VERSIONS:
        parsed = sections.split(demo.read(spec["file"]))
        current = sections.carry_keys(parsed, previous) if previous else parsed
        version = services.commit_version(
            charter,
            current,
            note=spec["note"],
            author=spec["author"],
            created_at=spec["created_at"],
        )
        if spec["published"]:
            services.publish(version, by=spec["author"], at=spec["created_at"])
        previous = current
    charter.stage_position = demo.STAGE_POSITION
    councils = {
        name: accounts.create_council(charter, name, description)
        for name, description in demo.COUNCILS
    }
    for email, name, role, organisation, country, region, council_names, password in demo.ACCOUNTS:
        if accounts.user_by_email(email) is None:
            accounts.create_user(
                email,
                role,
                password=password,
                display_name=name,
                organisation=organisation,
                country=country,
                region=region,
                councils=[councils[council] for council in council_names],
            )
    db.session.flush()
    return charter


def demo_accounts() -> list[tuple[str, str, str]]:
    """(role, e-mail, password) of the demo accounts that exist."""
    emails = {email for email, *_rest in demo.ACCOUNTS}
    present = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails))))
    return [
        (role, email, password)
        for email, _name, role, *_rest, password in demo.ACCOUNTS
        if email in present
    ]
