"""Load the demo charter into the database."""

from __future__ import annotations

import sqlalchemy as sa

from charter import demo
from charter.drafting import services
from charter.drafting.models import Charter
from charter.extensions import db
from charter.text import sections


def load_demo() -> Charter | None:
    """Create the demo charter and its versions; None when it exists already."""
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
    return charter
