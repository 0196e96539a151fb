"""The write stamp: a token that changes with every committed write to the database.

Caches of things that are not keyed by an immutable hash (a public page with its comment
counts and banners, the dashboard's figures) put the stamp in their key: any write makes a
new key, so no cache can answer with what was true before a commit, in any process or on
any host sharing the database.

Every transaction that wrote replaces the stamp with a fresh random token, in one upsert
just before it commits. Random, not a counter: a database emptied and filled again (a
restore, a test) can never repeat a stamp an old cache entry was keyed by.

With Redis, the new stamp is also set there right after the commit, and readers ask Redis:
a page kept for the public then costs no database round trip at all. Each token is new, so
whichever commit sets Redis last, what is kept under its token was made after every commit
before it. Should Redis refuse a new stamp, the old one expires within STAMP_TTL and
readers go back to the database's.
"""

from __future__ import annotations

import logging
import secrets

import redis
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from charter.cache import redis_client
from charter.extensions import db

log = logging.getLogger(__name__)
_WROTE = "charter.wrote"
_NEW = "charter.new_stamp"
REDIS_KEY = "charter:write-stamp"
STAMP_TTL = 60  # seconds: the longest Redis may hold a stamp it failed to replace


class WriteStamp(db.Model):
    """One row: the stamp of the last committed write."""

    id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    stamp = db.Column(db.String(32), nullable=False)


def current() -> str | None:
    """The stamp of the last committed write (None before the first one)."""
    client = redis_client()
    if client is None:
        return _stored()
    try:
        if (stamp := client.get(REDIS_KEY)) is not None:
            return stamp.decode()
        stamp = _stored()
        if stamp is not None:
            # Only if no commit set a newer one meanwhile.
            client.set(REDIS_KEY, stamp, nx=True, ex=STAMP_TTL)
        return stamp
    except redis.RedisError as error:
        log.warning("write stamp: Redis unavailable (%s)", type(error).__name__)
        return _stored()


def _stored() -> str | None:
    return db.session.scalar(sa.select(WriteStamp.stamp).where(WriteStamp.id == 1))


def _upsert(dialect: str, stamp: str):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(WriteStamp).values(id=1, stamp=stamp)
    return statement.on_conflict_do_update(index_elements=["id"], set_={"stamp": stamp})


def renew(connection: sa.Connection) -> None:
    """A new stamp, written outside the app's session (a restore); Redis forgets its copy,
    so readers take the new one from the database."""
    connection.execute(_upsert(connection.dialect.name, secrets.token_hex(16)))
    if (client := redis_client()) is not None:
        try:
            client.delete(REDIS_KEY)
        except redis.RedisError as error:
            log.warning("write stamp: Redis unavailable (%s)", type(error).__name__)


@event.listens_for(db.session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(db.session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(db.session, "before_commit")
def _stamp(session: Session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT being released, not the commit: stamping here would lock the stamp's
        # row for the rest of the transaction, and two such transactions can deadlock.
        return
    # The commit's own flush comes after this hook: flush now to know whether it writes.
    session.flush()
    if not session.info.pop(_WROTE, False):
        return
    dialect = session.get_bind().dialect.name
    stamp = secrets.token_hex(16)
    session.execute(_upsert(dialect, stamp))
    session.info.pop(_WROTE, None)
    session.info[_NEW] = stamp


@event.listens_for(db.session, "after_commit")
def _publish(session: Session) -> None:
    stamp = session.info.pop(_NEW, None)
    if stamp is None or (client := redis_client()) is None:
        return
    try:
        client.set(REDIS_KEY, stamp, ex=STAMP_TTL)
    except redis.RedisError as error:
        log.warning("write stamp: Redis unavailable (%s)", type(error).__name__)


@event.listens_for(db.session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_NEW, None)
