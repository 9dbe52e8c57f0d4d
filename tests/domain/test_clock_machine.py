"""A stateful property test of the returns, designation and miss rules (issue 12 items 1, 2, 3 and
9): random sequences of transfers, returns, designations, escalations, conclusions and scheduler
sweeps, by random actors at random times, checked after every step.

Invariants:
- a case waiting on a unit's act (ACCEPTED, TRANSFERRED, ESCALATED) has exactly one open clock of
  the matching kind, with the unit that answers for it;
- a recorded miss is never undone and stays with its unit (per-unit counts never drop);
- a refused command records nothing and leaves the state as it was;
- replaying the recorded events gives the same state; the read model's fold agrees on status and
  on the open clock's unit.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain import events as ev
from domain.dispute import Dispute, project_dispute
from domain.errors import DomainError
from domain.values import Actor, DeadlineKind, Outcome, Role, Status
from projections.case_view import CaseView, fold
from tests.domain.test_dispute import CAL, CLERK, MON_30_SEP_2024, OVERRIDE_NOTE, TASKFORCE, register

UNITS = ("tax", "hrss", "finance")
GOV_CLERK = Actor(subject="gov-clerk", role=Role.CLERK, unit="gov_office")
OTHER_CLERK = Actor(subject="hrss-clerk", role=Role.CLERK, unit="hrss")
SYSTEM = Actor(subject="scheduler", role=Role.SYSTEM)
WAITING_KIND = {
    Status.ACCEPTED: DeadlineKind.TRANSFER,
    Status.TRANSFERRED: DeadlineKind.HANDLING,
    Status.ESCALATED: DeadlineKind.DELIBERATION,
}
VIEW_OPEN_KIND = {"accepted": "transfer", "transferred": "handling", "escalated": "deliberation"}


def handler(unit: str) -> Actor:
    return Actor(subject=f"handler-{unit}", role=Role.HANDLER, unit=unit)


class ClockMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dispute = register(received_at=MON_30_SEP_2024)
        self.history: list[ev.DisputeEvent] = self.dispute.collect_events()
        self.now: datetime = MON_30_SEP_2024
        self.misses: Counter[str] = Counter()
        self.missed_in_view: Counter[str] = Counter()

    # --- acting ---------------------------------------------------------------------------

    def act(self, hours: int, decide: Any) -> None:
        self.now += timedelta(hours=hours)
        before = msgspec.json.encode(self.dispute)
        try:
            decide(self.dispute, self.now)
        except DomainError:
            assert self.dispute.collect_events() == [], "a refused command recorded nothing"
            assert msgspec.json.encode(self.dispute) == before, "a refused command changed nothing"
            return
        self.history += self.dispute.collect_events()

    @rule(hours=st.integers(1, 60), unit=st.sampled_from(UNITS), by=st.sampled_from((CLERK, GOV_CLERK, TASKFORCE, OTHER_CLERK)))
    def transfer(self, hours: int, unit: str, by: Actor) -> None:
        self.act(hours, lambda d, t: d.transfer(to_unit=unit, note=OVERRIDE_NOTE, actor=by, at=t, now=t, calendar=CAL))

    @rule(hours=st.integers(1, 60))
    def send_back(self, hours: int) -> None:
        self.act(hours, lambda d, t: d.return_to_accepting_unit(
            reason="非本单位职责", actor=handler(d.handling_unit or "tax"), at=t, now=t, calendar=CAL))

    @rule(hours=st.integers(1, 200), by_clerk=st.booleans())
    def escalate(self, hours: int, by_clerk: bool) -> None:
        self.act(hours, lambda d, t: d.escalate(
            reason="无法单独化解", actor=CLERK if by_clerk else handler(d.handling_unit or "tax"), at=t, now=t, calendar=CAL))

    @rule(hours=st.integers(1, 60))
    def conclude(self, hours: int) -> None:
        self.act(hours, lambda d, t: d.conclude(
            outcome=Outcome.EXPLAINED, result="已解释", actor=handler(d.handling_unit or "tax"), at=t, now=t))

    @rule(hours=st.integers(1, 200))
    def sweep(self, hours: int) -> None:
        def run(d: Dispute, t: datetime) -> None:
            for kind in d.overdue_clocks(t):
                d.record_missed_deadline(kind=kind, actor=SYSTEM, now=t)

        self.act(hours, run)

    # --- checking -------------------------------------------------------------------------

    @invariant()
    def a_waiting_case_has_an_open_clock_of_the_unit_that_answers(self) -> None:
        d = self.dispute
        kind = WAITING_KIND.get(d.status)
        open_kinds = [k for k, c in d.clocks.items() if c.met_at is None]
        if kind is None:
            return
        assert open_kinds == [kind]
        expected = {
            DeadlineKind.TRANSFER: "gov_office" if d.awaits_designation() else d.accepting_unit,
            DeadlineKind.HANDLING: d.handling_unit,
            DeadlineKind.DELIBERATION: "taskforce",
        }[kind]
        assert d.responsible_unit(kind) == expected

    @invariant()
    def a_recorded_miss_is_never_undone_and_stays_with_its_unit(self) -> None:
        misses = Counter(e.unit or "" for e in self.history if isinstance(e, ev.DeadlineMissed))
        assert all(misses[u] >= n for u, n in self.misses.items())
        assert "" not in misses, "every miss names its unit"
        self.misses = misses
        view = self.view()
        recorded = Counter(d.answerable() for d in view.deadlines if d.missed_recorded)
        assert recorded == misses

    @invariant()
    def what_supervision_counts_as_missed_never_drops_for_any_unit(self) -> None:
        missed = Counter(d.answerable() for d in self.view().deadlines if d.missed(self.now))
        assert all(missed[u] >= n for u, n in self.missed_in_view.items()), (self.missed_in_view, missed)
        self.missed_in_view = missed

    @invariant()
    def replay_gives_the_same_state_and_the_read_model_agrees(self) -> None:
        replayed = project_dispute(None, self.history)
        assert replayed is not None
        assert msgspec.json.encode(replayed) == msgspec.json.encode(self.dispute)
        view = self.view()
        assert view.status == self.dispute.status.value
        kind = VIEW_OPEN_KIND.get(view.status)
        if kind is not None:
            (open_clock,) = [d for d in view.deadlines if d.is_open()]
            assert (open_clock.kind, open_clock.unit) == (kind, self.dispute.responsible_unit(DeadlineKind(kind)))

    @invariant()
    def a_designated_case_was_returned_twice(self) -> None:
        designations = [e for e in self.history if isinstance(e, ev.DisputeTransferred) and e.designation]
        returns_before = [
            sum(1 for r in self.history[: self.history.index(e)] if isinstance(r, ev.DisputeReturned))
            for e in designations
        ]
        assert all(n >= 2 for n in returns_before)

    def view(self) -> CaseView:
        view: CaseView | None = None
        for event in self.history:
            view = fold(view, event)
        assert view is not None
        return view


TestClockMachine = ClockMachine.TestCase
TestClockMachine.settings = settings(
    max_examples=60, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
