"""A charter's whole life, as random sequences of what people do to it (hypothesis): propose,
endorse, review, merge, publish, move stages. Whatever the order, and whatever each step
refuses, the history keeps its promises."""

import itertools
from collections import Counter

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from charter.amendments import services as amendments
from charter.amendments.models import Amendment, State
from charter.drafting import integrity, merge, queries
from charter.drafting.models import MergeStep, Version
from charter.errors import DomainError
from charter.extensions import db
from charter.process import services as process
from charter.text import rebase
from charter.text.hashing import verify_chain
from tests.factories import make_charter, make_council, make_user, make_version

_charters = itertools.count(1)
done: Counter[str] = Counter()  # the steps that went through, over all runs
WORDS = ["all", "every", "newly", "fully", "local", "shared"]
# Eight articles: amendments to different ones merge cleanly, to the same one may conflict.
TEXT = "The cities of the network adopt this charter.\n" + "".join(
    f"\n## Article {n}\n\nCities commit to the right number {n} for every resident.\n"
    for n in range(1, 9)
)


class CharterLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.charter = make_charter(f"life-{next(_charters)}")
        make_version(self.charter, TEXT)
        self.charter.stage_position = 3  # the Policy Council session: amendments are open
        council = make_council(self.charter)
        db.session.commit()
        self.sherpas = [make_user("sherpa", councils=[council]) for _ in range(3)]
        self.secretariat = make_user("secretariat")
        self.keys = [s.key for s in queries.sections_of(queries.head_version(self.charter))]
        self.published: dict[int, str] = {1: queries.head_version(self.charter).digest}

    def attempt(self, action, name: str) -> None:
        """Do it in one transaction; a refusal (closed stage, conflict…) writes nothing."""
        try:
            action()
            db.session.commit()
            done[name] += 1
        except DomainError:
            db.session.rollback()

    def amendments_in(self, *states: State) -> list[Amendment]:
        return list(
            db.session.scalars(
                sa.select(Amendment)
                .where(Amendment.charter_id == self.charter.id, Amendment.state.in_(states))
                .order_by(Amendment.number)
            )
        )

    @rule(author=st.integers(0, 2), key=st.integers(0, 10), word=st.sampled_from(WORDS))
    def propose(self, author: int, key: int, word: str) -> None:
        head = queries.head_version(self.charter)
        section = queries.sections_of(head)[key % len(self.keys)]
        text = section.body.rstrip() + f" {word.capitalize()} residents take part."
        self.attempt(
            lambda: amendments.propose(
                self.sherpas[author],
                self.charter,
                head.number,
                [rebase.Operation("modify", section.key, text=text)],
                justification="The network asked for it.",
                submit=True,
            ),
            "propose",
        )

    @rule(who=st.integers(0, 2), pick=st.integers(0, 100))
    def endorse(self, who: int, pick: int) -> None:
        submitted = self.amendments_in(State.SUBMITTED)
        if submitted:
            amendment = submitted[pick % len(submitted)]
            self.attempt(lambda: amendments.endorse(self.sherpas[who], amendment), "endorse")

    @rule(pick=st.integers(0, 100), accept=st.booleans())
    def review(self, pick: int, accept: bool) -> None:
        submitted = self.amendments_in(State.SUBMITTED)
        if submitted:
            amendment = submitted[pick % len(submitted)]
            self.attempt(
                lambda: amendments.review(self.secretariat, amendment, accept, "Read."), "review"
            )

    @rule(picks=st.lists(st.integers(0, 100), min_size=1, max_size=3, unique=True))
    def merge(self, picks: list[int]) -> None:
        accepted = self.amendments_in(State.ACCEPTED)
        if accepted:
            numbers = sorted({accepted[p % len(accepted)].number for p in picks})
            head = queries.head_version(self.charter).number
            self.attempt(
                lambda: merge.merge_amendments(
                    self.secretariat,
                    self.charter,
                    numbers,
                    resolutions={},
                    note="",
                    expected_head=head,
                ),
                "merge",
            )

    @rule()
    def publish(self) -> None:
        head = queries.head_version(self.charter)
        self.attempt(lambda: merge.publish(self.secretariat, head), "publish")
        if db.session.get(Version, head.id).publication is not None:
            self.published.setdefault(head.number, head.digest)

    @rule(forward=st.booleans(), roll=st.integers(0, 11))
    def move_stage(self, forward: bool, roll: int) -> None:
        if roll:  # rarer than the rest: most of a charter's life is inside a stage
            return
        move = process.advance if forward else process.step_back
        self.attempt(lambda: move(self.secretariat, self.charter), "move stage")

    @invariant()
    def one_chain_one_head(self) -> None:
        versions = list(
            db.session.scalars(
                sa.select(Version)
                .where(Version.charter_id == self.charter.id)
                .order_by(Version.number)
            )
        )
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        for parent, child in itertools.pairwise(versions):
            assert child.parent_id == parent.id and child.parent_hash == parent.digest

    @invariant()
    def published_versions_never_change(self) -> None:
        for number, digest in self.published.items():
            version = db.session.scalar(
                sa.select(Version).where(
                    Version.charter_id == self.charter.id, Version.number == number
                )
            )
            assert version.digest == digest and version.publication is not None

    @invariant()
    def every_merged_amendment_is_in_exactly_one_version(self) -> None:
        for amendment in self.amendments_in(State.MERGED):
            versions = set(
                db.session.scalars(
                    sa.select(MergeStep.version_id).where(MergeStep.amendment_id == amendment.id)
                )
            )
            assert len(versions) == 1, amendment.number
        unmerged = [a.id for a in self.amendments_in(*set(State) - {State.MERGED})]
        assert not db.session.scalar(
            sa.select(sa.func.count()).where(MergeStep.amendment_id.in_(unmerged))
        )

    @invariant()
    def the_chain_verifies(self) -> None:
        records = integrity.records_of(self.charter)
        assert verify_chain(records) + integrity.merge_problems(self.charter, records) == []


def test_a_charter_keeps_its_promises_whatever_people_do(app):
    run_state_machine_as_test(
        CharterLife,
        settings=settings(
            max_examples=10,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,  # the same runs everywhere: a failure is reproduced
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The runs did reach every kind of step, merges and publications included.
    assert set(done) == {"propose", "endorse", "review", "merge", "publish", "move stage"}, done
