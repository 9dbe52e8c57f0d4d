"""Reference data: member units, the official calendar's years, and the provisional deadlines a
newly published holiday notice settles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import EventStore, IntegrityError

from application import commands as cmd
from application.command_path import SYSTEM, CommandPath, resolve
from application.errors import ConcurrencyConflict, Forbidden
from application.reference_cache import ReferenceCache
from domain.calendar import OfficialCalendar, YearSchedule
from domain.errors import CommandRejected
from domain.reference import CALENDAR_ID, UNITS_ID, CaseNumberIssued, UnitAdded, YearScheduleLoaded, sequence_id_for
from domain.values import Actor, Role

FIRST_INTAKE_YEAR = 2019  # the unified collection mode (统模式) began
RECOMPUTE_ATTEMPTS = 5


class ReferenceData:
    clock: Callable[[], datetime]
    events: EventStore[UUID]
    commands: CommandPath
    reference: ReferenceCache

    def units(self) -> dict[str, str]:
        return self.reference.units()

    def calendar(self) -> OfficialCalendar:
        return self.reference.calendar()

    def add_unit(self, command: cmd.AddUnit, actor: Actor) -> dict[str, str]:
        if actor.role != Role.TASKFORCE:
            raise Forbidden("only the task force adds member units (item 三(一))")
        now = self.clock()
        self.reference.refresh(force=True)
        if command.code in self.reference.units():
            raise CommandRejected("active", f"unit {command.code!r} exists already")
        event = UnitAdded(
            originator_id=UNITS_ID,
            originator_version=self.reference.units_version + 1,
            timestamp=now,
            actor=actor,
            code=command.code,
            name=command.name,
        )
        try:
            self.commands.record(event)
        except IntegrityError:
            raise ConcurrencyConflict("active") from None
        self.reference.refresh(force=True)
        return {"code": command.code, "name": command.name}

    def load_calendar_years(
        self, schedules: list[YearSchedule], actor: Actor = SYSTEM, candidates: list[str] | None = None
    ) -> dict[str, Any]:
        """Record newly published holiday notices, then recompute provisional deadlines: of the
        `candidates` (case numbers the read side knows to hold provisional deadlines) when given,
        else of the cases received in or just before the loaded years."""
        self.reference.refresh(force=True)
        loaded: list[int] = []
        for schedule in schedules:
            if self._load_year(schedule, actor):
                loaded.append(schedule.year)
        recomputed: list[str] = []
        if loaded and candidates is not None:
            recomputed = self.recompute_cases(candidates)
        elif loaded:
            recomputed = self.recompute_provisional_deadlines(years=loaded)
        return {"loaded_years": loaded, "recomputed_cases": recomputed, "calendar": self.reference.cached_calendar.version}

    def _load_year(self, schedule: YearSchedule, actor: Actor) -> bool:
        """Record one year's notice unless the calendar has it already; True if recorded."""
        if self.reference.cached_calendar.with_year(schedule).version == self.reference.cached_calendar.version:
            return False
        event = YearScheduleLoaded(
            originator_id=CALENDAR_ID,
            originator_version=self.reference.calendar_version + 1,
            timestamp=self.clock(),
            actor=actor,
            schedule=schedule,
        )
        try:
            self.commands.record(event)
        except IntegrityError:
            # Another instance loaded a notice at the same moment; look again.
            self.reference.refresh(force=True)
            if self.reference.cached_calendar.with_year(schedule).version == self.reference.cached_calendar.version:
                return False
            raise ConcurrencyConflict("active") from None
        self.reference.refresh(force=True)
        return True

    def recompute_provisional_deadlines(self, *, years: list[int]) -> list[str]:
        # A handling deadline runs from the transfer, which can come years after intake, so every
        # intake year since the unified collection mode (2019) up to the loaded years is scanned.
        refs = [
            issued.case_number
            for year in range(FIRST_INTAKE_YEAR, max(years) + 1)
            for issued in self.events.get(sequence_id_for(year), gt=0)
            if isinstance(issued, CaseNumberIssued)
        ]
        return self.recompute_cases(refs)

    def recompute_case_deadlines(self, ref: str) -> bool:
        """Recompute one case's provisional deadlines against the current calendar; True if recorded."""
        return bool(self.recompute_cases([ref]))

    def recompute_cases(self, refs: list[str]) -> list[str]:
        """Recompute the provisional deadlines of these cases; the case numbers that changed."""
        self.reference.refresh(force=True)  # once for the batch: another instance may have loaded a year
        return [ref for ref in refs if self._recompute(ref)]

    def _recompute(self, ref: str) -> bool:
        for _ in range(RECOMPUTE_ATTEMPTS):
            dispute = self.commands.load(resolve(ref))
            if not dispute.has_provisional_deadlines():
                return False
            dispute.begin_command(uuid4())
            calendar = self.reference.cached_calendar
            if not dispute.recompute_deadlines(calendar=calendar, actor=SYSTEM, now=self.clock()):
                return False
            try:
                self.commands.save(dispute)
                return True
            except IntegrityError:
                continue
        return False
