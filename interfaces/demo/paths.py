"""The paths a demo case walks: the acts of each track (settled on the spot, general, returned,
special), the deadlines missed on purpose, objections with remedy guidance, and the recent cases
left open at every status. A plan's `path` names one of the methods here."""

from __future__ import annotations

from datetime import date, timedelta

from application import commands as cmd
from domain.calendar import SHANGHAI
from domain.values import BUILTIN_UNITS, RemedyKind
from interfaces.demo.case import Case, handler
from interfaces.demo.material import Scenario
from interfaces.demo.planning import weighted


class PlayedCase(Case):
    def play(self) -> None:
        getattr(self, "_" + self.plan.path)()
        if self.status != "ARCHIVED":
            self.sweep()  # open cases: put passed deadlines on the record, as the scheduler would

    def handle(self, transferred: date, days: int) -> None:
        """Sign for, record progress, conclude on the `days`-th working day after the transfer."""
        self.sign()
        concluded = self.wd(transferred, days)
        if days > 1:
            self.progress(self.wd(transferred, self.rng.randint(1, days - 1)))
        self.conclude(concluded)

    def return_to_sender(self, day: date) -> None:
        wrong = self.plan.wrong
        assert wrong is not None
        self.do(self.app.return_case, cmd.Return(reason=wrong.reason, at=self.moment(day)), handler(wrong.wrong_unit))

    def transfer_wrongly(self, day: date) -> None:
        wrong = self.plan.wrong
        assert wrong is not None
        self.transfer(day, wrong.wrong_unit, note=self.texts.wrong_transfer_note.format(unit=BUILTIN_UNITS[wrong.wrong_unit]))

    # --- settled ---

    def _simple(self) -> None:
        self.register()
        self.resolve()
        if self.rng.random() < 0.4:
            self.satisfaction(within=3)

    def _simple_archived(self) -> None:
        self._simple()
        self.archive((0, 6))

    def _general(self) -> date:
        self.register()
        transferred = self.transfer_day()
        self.transfer(transferred, self.topic.handling_unit)
        self.handle(transferred, weighted(self.rng, ((1, 1), (2, 3), (3, 4), (4, 3), (5, 2))))
        return self.feedback()

    def _general_archived(self) -> None:
        self._general()
        if self.rng.random() < 0.6:
            self.satisfaction()
        self.archive()

    def _general_feedback(self) -> None:
        self._general()

    def _returned(self) -> None:
        self.register()
        first = self.transfer_day()
        self.transfer_wrongly(first)
        self.return_to_sender(self.wd(first, self.rng.randint(0, 1)))
        self.handling = None
        again = self.day if self.t.astimezone(SHANGHAI).hour < 16 else self.wd(self.day, 1)
        self.transfer(again, self.topic.handling_unit, note=self.topic.note or self.texts.transfer_after_return)
        self.handle(again, self.rng.randint(2, 5))
        self.feedback()
        self.satisfaction()
        self.archive()

    def _special_path(self, *, late: bool = False) -> None:
        self.register()
        accepted = self.accepted_on
        transferred = self.transfer_day()
        self.transfer(transferred, self.topic.handling_unit)
        self.sign()
        escalated = self.wd(transferred, self.rng.randint(2, 4))
        self.progress(self.wd(transferred, 1))
        self.escalate(escalated)
        if late:
            self.sweep()
            meeting = self.wd(accepted, 13)
        else:
            options = [self.wd(accepted, j) for j in range(6, 11) if self.wd(accepted, j) > escalated]
            meeting = self.rng.choice(options)
        self.deliberate(meeting)
        self.progress(self.wd(meeting, self.rng.randint(1, 3)), self.special.exec_progress)
        self.conclude(self.wd(self.day, self.rng.randint(2, 7)))
        self.feedback()
        self.satisfaction()
        self.archive()

    def _special_archived(self) -> None:
        self._special_path()

    # --- deadlines missed on purpose ---

    def _late_deliberation(self) -> None:
        self._special_path(late=True)

    def _late_transfer(self) -> None:
        self.register()
        accepted = self.accepted_on
        self.sweep()
        self.notice(self.wd(accepted, 3), self.plan.unit, self.texts.late_transfer)
        transferred = self.wd(accepted, 4)
        self.transfer(transferred, self.topic.handling_unit)
        self.handle(transferred, 3)
        self.feedback()
        self.satisfaction(satisfied=False, note=self.texts.unsatisfied[0])
        self.archive()

    def _late_handling(self) -> None:
        self.register()
        transferred = self.transfer_day()
        handling = self.topic.handling_unit
        self.transfer(transferred, handling)
        self.sign()
        self.progress(self.wd(transferred, 2))
        self.sweep()
        self.notice(self.wd(transferred, 7), handling, self.texts.late_handling)
        self.progress(self.wd(transferred, 8), self.texts.hurried_progress)
        self.conclude(self.wd(transferred, 9))
        self.feedback()
        self.satisfaction()
        self.archive()

    # --- objections ---

    def _objection(self, remedy: RemedyKind, *, then_litigation: bool = False) -> None:
        known = self._general()
        self.object(self.wd(self.day, self.rng.randint(1, 4)), self.plan.objector)
        self.guide(self.wd(self.day, self.rng.randint(1, 3)), remedy, known, party=self.plan.objector)
        if then_litigation:
            decided = self.demo.working_on_or_after(self.day + timedelta(days=self.rng.randint(45, 58)))
            self.guide(self.wd(decided, self.rng.randint(1, 4)), RemedyKind.LITIGATION, known, decided,
                       party=self.plan.objector)
        self.satisfaction(satisfied=False, note=self.texts.unsatisfied_objected)
        self.archive((1, 5))

    def _objection_reconsideration(self) -> None:
        self._objection(RemedyKind.RECONSIDERATION)

    def _objection_litigation(self) -> None:
        self._objection(RemedyKind.LITIGATION)

    def _objection_reconsideration_litigation(self) -> None:
        self._objection(RemedyKind.RECONSIDERATION, then_litigation=True)

    # --- recent, still open ---

    def _accepted_fresh(self) -> None:
        self.register()

    def _accepted_overdue(self) -> None:
        self.register()

    def _returned_pending(self) -> None:
        self.register()
        self.transfer_wrongly(self.day)
        self.return_to_sender(self.demo.prev_wd(1))

    def _transferred_fresh(self) -> None:
        self.register()
        last = self.demo.prev_wd(1)
        transferred = self.day if self.rng.random() < 0.5 or self.day == last else self.wd(self.day, 1)
        self.transfer(transferred, self.topic.handling_unit)
        if self.rng.random() < 0.7:
            self.sign()
            if self.day < last:
                self.progress(last)

    def _transferred_overdue(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(8), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(6))
        self.sweep()
        self.notice(demo.prev_wd(2), self.topic.handling_unit, self.texts.late_handling)
        self.progress(demo.prev_wd(1), self.texts.hurried_open_progress)

    def _escalated_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(5), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(4))
        self.escalate(demo.prev_wd(3))

    def _deliberated_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(9), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(8))
        self.escalate(demo.prev_wd(7))
        self.deliberate(demo.prev_wd(2))
        self.progress(demo.prev_wd(1), self.special.exec_progress)

    def _concluded_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(self.day, self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(3))
        self.conclude(demo.prev_wd(1))

    def _feedback_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(7), self.topic.handling_unit)
        self.sign()
        self.progress(demo.prev_wd(6))
        self.conclude(demo.prev_wd(4))
        self.feedback(demo.prev_wd(3))

    def _objected_open(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(13), self.topic.handling_unit)
        self.handle(demo.prev_wd(13), 4)
        self.feedback(demo.prev_wd(8))
        self.object(demo.prev_wd(2))

    def _objected_guided(self) -> None:
        demo = self.demo
        self.register()
        self.transfer(demo.prev_wd(19), self.topic.handling_unit)
        self.handle(demo.prev_wd(19), 4)
        known = self.feedback(demo.prev_wd(12))
        self.object(demo.prev_wd(8), self.plan.objector)
        self.guide(demo.prev_wd(5), RemedyKind.RECONSIDERATION, known, party=self.plan.objector)


def unknown_paths(scenario: Scenario) -> list[str]:
    """The paths the scenario names that the demo cannot walk, or cannot place in time."""
    named = {c.path for c in scenario.core} | set(scenario.fill_paths)
    timed = set(scenario.historical_days) | set(scenario.recent_working_days)
    return sorted(p for p in named if not hasattr(PlayedCase, "_" + p) or p not in timed)
