"""The write stamp, and the caches shared between processes through Redis."""

import pickle

import redis
import sqlalchemy as sa

from charter import writes
from charter.cache import LRU, Shared
from charter.drafting.models import Charter
from charter.extensions import db
from tests.factories import make_charter, make_council


def test_every_kind_of_committed_write_makes_a_new_stamp(app):
    seen = {writes.current()}
    charter = make_charter("cities")  # an insert
    seen.add(writes.current())
    council = make_council(charter, "Right to the City")
    seen.add(writes.current())
    charter.title = "Charter of Cities"  # an update through the ORM
    db.session.commit()
    seen.add(writes.current())
    db.session.execute(sa.update(Charter).values(title="Renamed"))  # a bulk update
    db.session.commit()
    seen.add(writes.current())
    db.session.delete(council)
    db.session.commit()
    seen.add(writes.current())
    assert len(seen) == 6


def test_reads_and_rolled_back_writes_keep_the_stamp(app):
    make_charter("cities")
    stamp = writes.current()
    db.session.scalars(sa.select(Charter)).all()
    db.session.commit()
    assert writes.current() == stamp
    db.session.execute(sa.update(Charter).values(title="Never"))
    db.session.rollback()
    db.session.commit()
    assert writes.current() == stamp


def test_a_savepoint_stamps_nothing_until_the_commit(app):
    """Releasing a SAVEPOINT is not a commit: only the commit writes (and so locks) the
    stamp's row, last, so two writing transactions cannot deadlock over it."""
    make_charter("cities")
    stamp = writes.current()
    with db.session.begin_nested():
        db.session.add(Charter(slug="towns", title="Towns"))
    db.session.execute(sa.update(Charter).values(summary="After the savepoint"))
    assert db.session.scalar(sa.select(writes.WriteStamp.stamp)) == stamp
    db.session.commit()
    assert writes.current() != stamp


def test_an_lru_forgets_the_least_recently_used_and_the_expired(monkeypatch):
    cache = LRU(2, ttl=10)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get("a")
    cache.set("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    now = [0.0]
    monkeypatch.setattr("charter.cache.time.monotonic", lambda: now[0])
    cache.set("d", 4)
    now[0] = 11
    assert cache.get("d") is None


def test_a_value_computed_by_one_process_is_read_by_another(make_app, redis_url):
    cache: Shared[tuple] = Shared("test", 8)
    computed = []

    def compute():
        computed.append(1)
        return ("sections", 1)

    with make_app(REDIS_URL=redis_url).app_context():
        assert cache.get_or_set("digest", compute) == ("sections", 1)
    cache.clear()  # the other process has nothing in memory
    with make_app(REDIS_URL=redis_url).app_context():
        assert cache.get_or_set("digest", compute) == ("sections", 1)
    assert len(computed) == 1


def test_an_entry_not_signed_with_the_secret_key_is_never_unpickled(make_app, redis_url):
    cache: Shared[str] = Shared("test", 8)
    with make_app(REDIS_URL=redis_url).app_context():
        cache.set("digest", "honest")
    cache.clear()
    client = redis.Redis.from_url(redis_url)
    (address,) = client.keys("charter:cache:*:test:*")
    forged = pickle.dumps("forged")
    client.set(address, b"\0" * 32 + forged)
    with make_app(REDIS_URL=redis_url).app_context():
        assert cache.get_or_set("digest", lambda: "computed") == "computed"
    other_key = make_app(REDIS_URL=redis_url, SECRET_KEY="another key")
    cache.clear()
    with other_key.app_context():
        assert cache.get("digest") is None  # signed with the first key, not this one


def test_redis_down_costs_the_computation_not_the_page(make_app):
    cache: Shared[str] = Shared("test", 8)
    with make_app(REDIS_URL="redis://127.0.0.1:1/0").app_context():
        assert cache.get_or_set("digest", lambda: "computed") == "computed"
        cache.clear()
        assert cache.get("digest") is None


def test_with_redis_the_stamp_is_read_there_and_set_by_every_commit(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    client = redis.Redis.from_url(redis_url)
    statements = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        make_charter("cities")
        stored = db.session.scalar(sa.select(writes.WriteStamp.stamp))
        assert client.get(writes.REDIS_KEY).decode() == stored
        db.session.commit()
        statements.clear()
        assert writes.current() == stored
        assert statements == []  # no database round trip
        # Redis lost the stamp (a restart, an expiry): the database's is read and set again.
        client.delete(writes.REDIS_KEY)
        assert writes.current() == stored
        assert client.get(writes.REDIS_KEY).decode() == stored
        assert 0 < client.ttl(writes.REDIS_KEY) <= writes.STAMP_TTL


def test_with_redis_down_the_stamp_comes_from_the_database(make_app):
    with make_app(REDIS_URL="redis://127.0.0.1:1/0").app_context():
        make_charter("cities")  # the commit's stamp cannot reach Redis: no error
        assert writes.current() == db.session.scalar(sa.select(writes.WriteStamp.stamp))


def test_reading_ones_account_with_nothing_new_keeps_the_public_copies(app, client, login_as):
    from charter.accounts.models import Notification
    from tests.factories import make_user

    person = make_user("sherpa", email="reader@example.org")
    login_as(person)
    client.get("/account")
    stamp = writes.current()
    client.get("/account")  # nothing unread: nothing written, kept pages stay valid
    assert writes.current() == stamp
    db.session.add(Notification(user_id=person.id, text="Something new", link="/"))
    db.session.commit()
    stamp = writes.current()
    client.get("/account")  # marks it read: a write
    assert writes.current() != stamp
