"""A stateful property test of both parties answered and archive only without objection (issue 12,
items 4 and 5): random sequences of the answering commands, parties and act times, on cases with
and without an other party. After every step: a refused command recorded nothing and changed
nothing; FEEDBACK_GIVEN and OBJECTED mean every registered party was told; ARCHIVED means every
objection has guidance and the archive recorded a no-objection basis for every told party;
replaying the events gives the same state, and the read model's fold the same status."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain import events as ev
from domain.dispute import project_dispute
from domain.errors import CommandRejected, InvalidCommand
from domain.values import PartyRole, Status
from projections.case_view import fold
from tests.domain.test_dispute import (
    OTHER,
    Case,
    Step,
    archive,
    conclude,
    feedback,
    given,
    guidance,
    no_objection,
    objection,
    resolve,
    satisfaction,
    transfer,
)

PARTIES = st.sampled_from(list(PartyRole))
GAPS = st.sampled_from([timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=200)])


class Answering(RuleBasedStateMachine):
    case: Case

    @initialize(with_other=st.booleans(), on_spot=st.booleans())
    def registered(self, with_other: bool, on_spot: bool) -> None:
        steps: tuple[Step, ...] = (resolve(),) if on_spot else (transfer(), conclude())
        self.case = given(*steps, other_party=OTHER if with_other else None)

    def attempt(self, step: Step, gap: timedelta) -> None:
        case = self.case
        before = msgspec.json.encode(case.dispute)
        at = case.clock + gap
        try:
            case.run(step, at=at, now=at)
        except (CommandRejected, InvalidCommand):
            assert case.dispute.collect_events() == []
            assert msgspec.json.encode(case.dispute) == before

    @rule(party=PARTIES, gap=GAPS)
    def tell(self, party: PartyRole, gap: timedelta) -> None:
        self.attempt(feedback(party), gap)

    @rule(party=PARTIES, gap=GAPS)
    def confirm(self, party: PartyRole, gap: timedelta) -> None:
        self.attempt(no_objection(party), gap)

    @rule(party=PARTIES, gap=GAPS)
    def object(self, party: PartyRole, gap: timedelta) -> None:
        self.attempt(objection(party), gap)

    @rule(party=PARTIES, gap=GAPS)
    def guide(self, party: PartyRole, gap: timedelta) -> None:
        self.attempt(guidance(party=party), gap)

    @rule(party=PARTIES, gap=GAPS)
    def follow_up(self, party: PartyRole, gap: timedelta) -> None:
        self.attempt(satisfaction(party), gap)

    @rule(gap=GAPS, quiet_days=st.sampled_from([1, 5, 10]))
    def file(self, gap: timedelta, quiet_days: int) -> None:
        self.attempt(archive(quiet_days=quiet_days), gap)

    @invariant()
    def answered_means_every_party_told(self) -> None:
        d = self.case.dispute
        if d.status in (Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED):
            assert d.feedback_pending() == []
        if d.status == Status.OBJECTED:
            assert d.objections

    @invariant()
    def archived_means_no_open_objection_and_a_basis_for_every_party(self) -> None:
        d = self.case.dispute
        if d.status != Status.ARCHIVED:
            return
        assert all(d.objections.values())
        archived = [e for e in self.case.history if isinstance(e, ev.DisputeArchived)][-1]
        assert [b.party for b in archived.basis] == list(d.parties())

    @invariant()
    def each_party_objects_at_most_once(self) -> None:
        raised = [e.party for e in self.case.history if isinstance(e, ev.ObjectionRaised)]
        assert len(raised) == len(set(raised))

    @invariant()
    def replay_and_read_model_agree(self) -> None:
        history = self.case.history
        replayed = project_dispute(None, history)
        assert replayed is not None
        assert msgspec.json.encode(replayed) == msgspec.json.encode(self.case.dispute)
        view = None
        for event in history:
            view = fold(view, event)
        assert view is not None and view.status == self.case.dispute.status.value
        assert view.feedback_pending() == [p.value for p in self.case.dispute.feedback_pending()] or (
            self.case.dispute.status == Status.ACCEPTED
        )


Answering.TestCase.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestAnswering = Answering.TestCase
