"""Things done at the same moment, on real concurrent connections of the engine under test:
nothing is counted twice, lost, or done in a stage that had closed."""

import threading
from collections.abc import Callable

import sqlalchemy as sa

from charter.accounts.models import User
from charter.amendments import services as amendments
from charter.amendments.models import Amendment, Endorsement, State
from charter.consultation import services as comments
from charter.consultation.models import Comment
from charter.drafting import merge, queries
from charter.drafting.models import Charter, Version
from charter.errors import DomainError
from charter.extensions import db
from charter.process import services as process
from charter.process.models import StageEvent
from charter.text import rebase
from tests.amendments.conftest import world  # noqa: F401
from tests.consultation.conftest import consultation  # noqa: F401
from tests.factories import make_user

THREADS = 6


def at_once(app, count: int, action: Callable[[int], object]) -> list[object]:
    """Run action(i) in count threads, each with its own connection, released together;
    each result is what the action returned, or the message of what it refused."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        with app.app_context():
            try:
                start.wait(10)
                results[index] = action(index)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                results[index] = error.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def submitted(world) -> int:  # noqa: F811
    amendment = amendments.propose(
        world.author,
        world.charter,
        1,
        [rebase.Operation("modify", "article-1-dignity", text="Every person is at home here.")],
        justification="Clearer.",
        submit=True,
    )
    db.session.commit()
    return amendment.id


def test_one_person_co_signing_six_times_at_once_counts_once(app, world):  # noqa: F811
    amendment_id, cosigner_id = submitted(world), world.cosigner.id

    def endorse(_index: int) -> str:
        amendments.endorse(
            db.session.get(User, cosigner_id), db.session.get(Amendment, amendment_id)
        )
        return "co-signed"

    results = at_once(app, THREADS, endorse)
    assert results.count("co-signed") == 1
    assert results.count("You co-signed this amendment already.") == THREADS - 1
    db.session.expire_all()
    assert db.session.get(Amendment, amendment_id).endorsement_count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 1


def test_six_people_co_signing_at_once_are_all_counted(app, world):  # noqa: F811
    amendment_id = submitted(world)
    council = world.author.councils[0]
    people = [make_user("advisor", councils=[council]).id for _ in range(THREADS)]

    def endorse(index: int) -> str:
        amendments.endorse(
            db.session.get(User, people[index]), db.session.get(Amendment, amendment_id)
        )
        return "co-signed"

    assert at_once(app, THREADS, endorse) == ["co-signed"] * THREADS
    db.session.expire_all()
    assert db.session.get(Amendment, amendment_id).endorsement_count == THREADS


def test_amendments_proposed_at_once_each_get_their_own_number(app, world):  # noqa: F811
    council = world.author.councils[0]
    people = [make_user("sherpa", councils=[council]).id for _ in range(THREADS)]
    charter_id = world.charter.id

    def propose(index: int) -> int:
        amendment = amendments.propose(
            db.session.get(User, people[index]),
            db.session.get(Charter, charter_id),
            1,
            [rebase.Operation("modify", "article-1-dignity", text=f"Every person, {index}.")],
            justification="Clearer.",
            submit=True,
        )
        return amendment.number

    numbers = at_once(app, THREADS, propose)
    assert sorted(n for n in numbers if isinstance(n, int)) == list(range(1, THREADS + 1))


def test_comments_posted_at_once_are_all_kept(app, consultation):  # noqa: F811
    c = consultation
    charter_id, partner_id = c.charter.id, c.partner.id

    def post(index: int) -> int:
        charter = db.session.get(Charter, charter_id)
        version = queries.head_version(charter)
        comment = comments.comment_on_section(
            db.session.get(User, partner_id),
            charter,
            version,
            "article-1-dignity",
            f"Note {index}.",
        )
        db.session.flush()
        return comment.id

    ids = at_once(app, THREADS, post)
    assert len(set(ids)) == THREADS and all(isinstance(i, int) for i in ids)
    bodies = db.session.scalars(sa.select(Comment.body).order_by(Comment.id)).all()
    assert sorted(bodies) == sorted(f"Note {i}." for i in range(THREADS))


def test_a_stage_move_during_a_merge_waits_for_it(app, world, monkeypatch):  # noqa: F811
    amendment_id = submitted(world)
    amendments.review(world.secretariat, db.session.get(Amendment, amendment_id), True, "Yes.")
    db.session.commit()
    charter_id, secretariat_id = world.charter.id, world.secretariat.id
    merging = threading.Event()
    locked = merge.lock_head

    def lock_and_hold(charter) -> None:
        locked(charter)
        if threading.current_thread().name == "merge":
            merging.set()
            threading.Event().wait(0.5)  # the merge holds the charter while the move tries

    monkeypatch.setattr(merge, "lock_head", lock_and_hold)
    results: dict[str, object] = {}

    def run(name: str) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, secretariat_id)
                charter = db.session.get(Charter, charter_id)
                if name == "merge":
                    results[name] = merge.merge_amendments(
                        actor, charter, [1], resolutions={}, note="", expected_head=1
                    ).number
                else:
                    merging.wait(10)
                    results[name] = process.advance(actor, charter, expected_position=3).to_position
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                results[name] = error.message
            finally:
                merging.set()
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("merge", "advance")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # The move waited for the merge, then went through: the version was made in the
    # session, before the move was recorded.
    assert results == {"merge": 2, "advance": 4}
    db.session.expire_all()
    version = db.session.scalar(sa.select(Version).where(Version.number == 2))
    event = db.session.scalar(sa.select(StageEvent).order_by(StageEvent.id.desc()))
    assert version.created_at <= event.at
    assert db.session.get(Amendment, amendment_id).state is State.MERGED


def test_a_co_signature_sent_while_the_review_commits_is_refused(app, world):  # noqa: F811
    amendment_id, cosigner_id = submitted(world), world.cosigner.id
    secretariat_id = world.secretariat.id
    reviewed = threading.Event()
    results: dict[str, object] = {}

    def review() -> None:
        with app.app_context():
            amendment = db.session.get(Amendment, amendment_id)
            amendments.review(db.session.get(User, secretariat_id), amendment, True, "Agreed.")
            db.session.flush()  # the row is changed, not yet committed
            reviewed.set()
            threading.Event().wait(0.5)  # the co-signature arrives meanwhile
            db.session.commit()
            db.session.remove()

    def endorse() -> None:
        with app.app_context():
            reviewed.wait(10)
            try:
                amendments.endorse(
                    db.session.get(User, cosigner_id), db.session.get(Amendment, amendment_id)
                )
                db.session.commit()
                results["endorse"] = "co-signed"
            except DomainError as error:
                db.session.rollback()
                results["endorse"] = error.message
            finally:
                db.session.remove()

    threads = [threading.Thread(target=review), threading.Thread(target=endorse)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["endorse"] == "The review is done: co-signatures can no longer change."
    db.session.expire_all()
    amendment = db.session.get(Amendment, amendment_id)
    assert amendment.state is State.ACCEPTED
    assert amendment.endorsement_count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 0
