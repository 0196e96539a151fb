"""Merging accepted amendments into a new draft version, in the workspace and the service."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from charter.accounts.models import Notification
from charter.amendments import services as amendments
from charter.amendments.models import Amendment, State
from charter.audit import AuditEntry
from charter.drafting import integrity, merge, queries
from charter.drafting.models import MergeStep, Version, VersionOrigin
from charter.errors import Conflict, Forbidden, InvalidInput
from charter.extensions import db
from charter.text import rebase
from tests.amendments.conftest import World
from tests.factories import tamper

MERGE = "/charters/amend/merge"
DIGNITY = "article-1-dignity"
EQUITY = "article-2-equity"


def body(world: World, key: str) -> str:
    head = queries.head_version(world.charter)
    return next(s.body for s in queries.sections_of(head) if s.key == key)


def accepted(world: World, key: str, old: str, new: str, *, author=None) -> Amendment:
    """An amendment on the head replacing old by new in one section, accepted."""
    author = author or world.author
    head = queries.head_version(world.charter)
    text = body(world, key)
    assert old in text
    amendment = amendments.propose(
        author,
        world.charter,
        head.number,
        [rebase.Operation("modify", key, text=text.replace(old, new))],
        justification="Clearer.",
        submit=True,
    )
    amendments.review(world.secretariat, amendment, True, "Agreed.")
    db.session.commit()
    return amendment


def versions() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Version.number).order_by(Version.number)))


def merge_form(numbers, head=1, note="", **extra) -> dict:
    data = {"amendment": [str(n) for n in numbers], "head": str(head), "note": note}
    data.update({f"order-{n}": str(i) for i, n in enumerate(numbers, start=1)})
    data.update(extra)
    data.setdefault("merge", "Create the new draft version")
    return data


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_merging_two_amendments_makes_the_next_version(client, login_as, world):
    first = accepted(world, DIGNITY, "welcome in the city", "welcome in the city and the region")
    second = accepted(world, EQUITY, "open to all residents", "open to every resident")
    login_as(world.secretariat)
    page = client.post(MERGE, data=merge_form([1, 2], preview="Preview the merge", merge=""))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The combined result against version 1" in html
    assert "and the region" in html and "every resident" in html

    response = client.post(MERGE, data=merge_form([1, 2], note="Council session results."))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/charters/amend/versions/2")
    assert versions() == [1, 2]
    assert "welcome in the city and the region" in body(world, DIGNITY)
    assert "open to every resident" in body(world, EQUITY)
    for amendment in (first, second):
        db.session.refresh(amendment)
        assert amendment.state is State.MERGED
        assert amendment.merged_version.number == 2
        assert amendment.events[-1].reason == "Merged into version 2."
    head = queries.head_version(world.charter)
    assert head.note == "Council session results."
    assert head.author == world.secretariat.display_name
    assert db.session.get(VersionOrigin, head.id).kind == "merge"
    steps = db.session.scalars(
        sa.select(MergeStep).where(MergeStep.version_id == head.id).order_by(MergeStep.position)
    ).all()
    assert [(s.amendment_id, s.section_key) for s in steps] == [
        (first.id, DIGNITY),
        (second.id, EQUITY),
    ]
    assert audit_actions()[-3:] == ["amendment.merge", "amendment.merge", "version.merge"]
    told = db.session.scalars(
        sa.select(Notification.text).where(Notification.user_id == world.author.id)
    ).all()
    assert any("was merged into version 2" in text for text in told)
    # The new version is a draft: the public does not see it yet.
    client.post("/logout")
    assert client.get("/charters/amend/versions/2").status_code == 404


def test_a_conflict_is_settled_by_writing_the_text(client, login_as, world):
    accepted(world, DIGNITY, "Every person is welcome", "Every human being is welcome")
    accepted(world, DIGNITY, "Every person is welcome", "Each person is welcome")
    login_as(world.secretariat)
    page = client.post(MERGE, data=merge_form([1, 2], preview="Preview the merge", merge=""))
    html = page.get_data(as_text=True)
    assert "Conflicts to settle" in html
    assert 'name="resolution-2-article-1-dignity"' in html

    refused = client.post(MERGE, data=merge_form([1, 2], note="Kept note"))
    assert refused.status_code == 422
    assert "Some conflicts are not resolved (amendments 2)" in refused.get_data(as_text=True)
    assert "Kept note" in refused.get_data(as_text=True)
    assert versions() == [1]

    resolved = "Each human being is welcome in the city."
    response = client.post(
        MERGE, data=merge_form([1, 2], **{"resolution-2-article-1-dignity": resolved})
    )
    assert response.status_code == 302
    assert versions() == [1, 2]
    assert body(world, DIGNITY).strip() == resolved
    steps = db.session.scalars(sa.select(MergeStep).order_by(MergeStep.position)).all()
    assert [step.resolved for step in steps] == [False, True]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"amendment": []}, 422, "Choose at least one accepted amendment"),
        ({"amendment": ["7"]}, 422, "There is no amendment 7."),
        ({"amendment": ["x"]}, 422, "Choose amendments from the list."),
    ],
)
def test_a_merge_without_proper_amendments_is_refused(
    client, login_as, world, data, status, message
):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    login_as(world.secretariat)
    response = client.post(MERGE, data={**merge_form([1]), **data})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert versions() == [1]
    assert "version.merge" not in audit_actions()


def test_rejected_and_merged_amendments_are_refused(client, login_as, world):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    head = queries.head_version(world.charter)
    rejected = amendments.propose(
        world.author,
        world.charter,
        head.number,
        [rebase.Operation("modify", EQUITY, text="\nServices for everyone.\n")],
        justification="Shorter.",
        submit=True,
    )
    amendments.review(world.secretariat, rejected, False, "Too short.")
    db.session.commit()
    login_as(world.secretariat)
    response = client.post(MERGE, data=merge_form([1, 2]))
    assert response.status_code == 409
    assert "Amendment 2 is not accepted" in response.get_data(as_text=True)
    assert versions() == [1]
    assert client.post(MERGE, data=merge_form([1])).status_code == 302
    again = client.post(MERGE, data=merge_form([1], head=2))
    assert again.status_code == 409
    assert "Amendment 1 is merged already." in again.get_data(as_text=True)
    assert versions() == [1, 2]


def test_a_merge_on_a_stale_head_is_refused_and_loses_nothing(client, login_as, world):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    login_as(world.secretariat)
    assert client.post(MERGE, data=merge_form([1])).status_code == 302
    # A second secretariat page, prepared on version 1, sends amendment 2.
    response = client.post(MERGE, data=merge_form([2], head=1, note="My careful note"))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The draft changed while you were working on it: review it again." in html
    assert "My careful note" in html
    assert 'name="head" value="2"' in html  # the page now shows the new head to review
    assert versions() == [1, 2]
    assert db.session.get(Amendment, 2).state is State.ACCEPTED
    assert client.post(MERGE, data=merge_form([2], head=2)).status_code == 302
    assert versions() == [1, 2, 3]


def test_a_crash_halfway_through_a_merge_leaves_nothing(make_app, world, monkeypatch):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    audit_rows = len(audit_actions())
    calls = []
    real = amendments.mark_merged

    def crash_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("injected crash halfway through the merge")
        return real(*args, **kwargs)

    monkeypatch.setattr(amendments, "mark_merged", crash_on_second)
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = world.secretariat.get_id()
    response = client.post(MERGE, data=merge_form([1, 2]))
    assert response.status_code == 500
    assert calls == [1, 1]
    assert versions() == [1]
    assert {a.state for a in db.session.scalars(sa.select(Amendment))} == {State.ACCEPTED}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MergeStep)) == 0
    assert len(audit_actions()) == audit_rows


def test_only_the_secretariat_merges_and_only_while_the_stage_allows(client, login_as, world):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    assert client.get(MERGE).status_code == 302  # anonymous: sign in first
    login_as(world.author)
    assert client.get(MERGE).status_code == 403
    assert client.post(MERGE, data=merge_form([1])).status_code == 403
    login_as(world.secretariat)
    assert client.get(MERGE).status_code == 200
    world.charter.stage_position = 5  # Launch: the charter is read-only
    db.session.commit()
    response = client.post(MERGE, data=merge_form([1]))
    assert response.status_code == 409
    assert "Merging amendments is not open in the current stage (Launch)." in response.get_data(
        as_text=True
    )
    edit = {"kind": "modify", "section": DIGNITY, "text": "New.", "note": "n", "base": "1"}
    assert client.post("/charters/amend/draft/edit", data=edit).status_code == 409
    assert versions() == [1]


def test_two_merges_at_once_one_wins_the_other_is_told(app, world):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    secretariat_id, charter_id = world.secretariat.id, world.charter.id
    first_merged = threading.Event()
    results: dict[str, object] = {}

    def run(name: str, number: int, wait: threading.Event | None) -> None:
        with app.app_context():
            from charter.accounts.models import User
            from charter.drafting.models import Charter

            try:
                if wait is not None:
                    wait.wait(10)
                actor = db.session.get(User, secretariat_id)
                charter = db.session.get(Charter, charter_id)
                version = merge.merge_amendments(
                    actor, charter, [number], resolutions={}, note="", expected_head=1
                )
                if wait is None:
                    first_merged.set()  # hold the lock a moment: the other merge must wait
                    threading.Event().wait(0.3)
                db.session.commit()
                results[name] = version.number
            except Conflict as error:
                db.session.rollback()
                results[name] = error.message
            finally:
                first_merged.set()
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=("first", 1, None)),
        threading.Thread(target=run, args=("second", 2, first_merged)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {
        "first": 2,
        "second": "The draft changed while you were working on it: review it again.",
    }
    assert versions() == [1, 2]
    assert db.session.get(Amendment, 2).state is State.ACCEPTED


def test_a_merge_that_changes_nothing_is_refused(world):
    amendment = accepted(world, DIGNITY, "welcome", "warmly welcome")
    head = queries.head_version(world.charter)
    # The same words reached the draft by another way.
    from charter.drafting import services

    sections = [
        s
        if s.key != DIGNITY
        else s.__class__(s.key, s.heading, s.level, amendment.operations[0].text)
        for s in queries.sections_of(head)
    ]
    services.commit_version(world.charter, sections, note="Same words", author="Sofia")
    db.session.commit()
    with pytest.raises(InvalidInput, match="already holds these changes"):
        merge.merge_amendments(
            world.secretariat, world.charter, [1], resolutions={}, note="", expected_head=2
        )


@pytest.mark.parametrize(
    "statement",
    [
        # The step credited to amendment 1 now holds the other amendment's text.
        "UPDATE merge_step SET text_hash = (SELECT text_hash FROM merge_step WHERE position = 1) "
        "WHERE position = 0",
        # The amendment claims another version.
        "UPDATE amendment SET merged_version_id = (SELECT id FROM version WHERE number = 1) "
        "WHERE number = 1",
        # A step lost.
        "DELETE FROM merge_step WHERE position = 1",
    ],
)
def test_verify_checks_merged_amendments_against_the_recorded_versions(runner, world, statement):
    accepted(world, DIGNITY, "welcome in the city", "welcome in the city and the region")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    merge.merge_amendments(
        world.secretariat, world.charter, [1, 2], resolutions={}, note="", expected_head=1
    )
    db.session.commit()
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    tamper(statement)
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1, result.output
    assert "problem" in result.output


def test_services_name_the_stage_that_closes_them(world):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    world.charter.stage_position = 5  # Launch
    db.session.commit()
    with pytest.raises(Conflict, match=r"not open in the current stage \(Launch\)"):
        merge.merge_amendments(
            world.secretariat, world.charter, [1], resolutions={}, note="", expected_head=1
        )
    with pytest.raises(Conflict, match=r"Proposing amendments is not open"):
        amendments.propose(
            world.author,
            world.charter,
            1,
            [rebase.Operation("modify", EQUITY, text="\nServices for all.\n")],
            justification="Shorter.",
        )
    with pytest.raises(Forbidden, match="Only the secretariat may do this."):
        merge.merge_amendments(
            world.author, world.charter, [1], resolutions={}, note="", expected_head=1
        )


def test_a_note_too_long_keeps_the_choices_and_the_texts(client, login_as, world):
    accepted(world, DIGNITY, "Every person is welcome", "Every human being is welcome")
    accepted(world, DIGNITY, "Every person is welcome", "Each person is welcome")
    login_as(world.secretariat)
    settled = "Each human being is welcome here."
    response = client.post(
        MERGE,
        data=merge_form([1, 2], note="n" * 5001, **{"resolution-2-article-1-dignity": settled}),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="pick-1"\s*checked', html) and re.search(r'id="pick-2"\s*checked', html)
    assert settled in html
    assert versions() == [1]


def _verified(world: World) -> list[str]:
    records = integrity.records_of(world.charter)
    return integrity.verify_chain(records) + integrity.merge_problems(world.charter, records)


def test_amendments_that_change_nothing_in_the_merge_still_verify(client, login_as, world):
    """A conflict settled by keeping the section as it reads, and an amendment whose change
    is already in the draft, are merged with the others: the chain still verifies."""
    accepted(world, DIGNITY, "Every person is welcome", "Every human being is welcome")
    accepted(world, DIGNITY, "Every person is welcome", "Each person is welcome")
    accepted(world, DIGNITY, "Every person is welcome", "Every human being is welcome")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    login_as(world.secretariat)
    after_first = body(world, DIGNITY).replace("Every person", "Every human being")
    response = client.post(
        MERGE, data=merge_form([1, 2, 3, 4], **{"resolution-2-article-1-dignity": after_first})
    )
    assert response.status_code == 302
    assert versions() == [1, 2]
    states = db.session.scalars(sa.select(Amendment.state).order_by(Amendment.number)).all()
    assert states == [State.MERGED] * 4
    assert _verified(world) == []
