"""The member units and the official calendar as recorded, kept in memory between commands.

Both are streams of their own (UnitAdded, YearScheduleLoaded). Every instance keeps what it read
and looks again when its copy is older than the policy allows, or at once when a command meets an
unknown unit or a deadline that its copy of the calendar leaves provisional.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

from application.errors import InvalidCommand
from application.policy import StorePolicy
from domain.calendar import OfficialCalendar
from domain.reference import CALENDAR_ID, UNITS_ID
from domain.values import BUILTIN_UNITS

Read = Callable[[UUID, int], list[Any]]  # a stream's domain events after a version


class ReferenceCache:
    def __init__(self, read: Read, calendar: OfficialCalendar, policy: StorePolicy) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._units: dict[str, str] = dict(BUILTIN_UNITS)
        self._units_version = 0
        self._calendar = calendar
        self._calendar_version = 0
        self._checked = 0.0
        self.refresh_seconds = policy.reference_refresh_seconds

    def units(self) -> dict[str, str]:
        self.refresh()
        return dict(self._units)

    def calendar(self) -> OfficialCalendar:
        self.refresh()
        return self._calendar

    @property
    def cached_calendar(self) -> OfficialCalendar:
        """The calendar as last read, without looking at the store."""
        return self._calendar

    @property
    def units_version(self) -> int:
        return self._units_version

    @property
    def calendar_version(self) -> int:
        return self._calendar_version

    def refresh(self, *, force: bool = False, read: Read | None = None) -> None:
        """Read what was recorded since the last look (through `read`, a command's own
        transaction, when given)."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return
        events_after = read or self._read
        with self._lock:
            for event in events_after(UNITS_ID, self._units_version):
                self._units[event.code] = event.name
                self._units_version = event.originator_version
            for event in events_after(CALENDAR_ID, self._calendar_version):
                self._calendar = self._calendar.with_year(event.schedule)
                self._calendar_version = event.originator_version
            self._checked = now

    def newer_calendar(self, used: OfficialCalendar, read: Read | None = None) -> OfficialCalendar | None:
        """Look at the store now; the calendar if it changed since `used` (another instance
        loaded a year's notice meanwhile), else None."""
        self.refresh(force=True, read=read)
        return self._calendar if self._calendar.version != used.version else None

    def unit(self, field: str, code: str) -> str:
        """`code` if it names a member unit, looking at the store once before refusing it."""
        if code not in self._units:
            self.refresh(force=True)
        if code not in self._units:
            known = ", ".join(sorted(self._units))
            raise InvalidCommand(field, f"unknown unit {code!r}; known units: {known}")
        return code
