"""Reference data kept as event streams: case-number sequences, member units, calendar years."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain.calendar import YearSchedule
from domain.values import Actor

FENGQIAO_NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.gaoping.gov.cn/")
UNITS_ID = uuid5(FENGQIAO_NAMESPACE, "units")
CALENDAR_ID = uuid5(FENGQIAO_NAMESPACE, "calendar")


def case_number(year: int, sequence: int) -> str:
    return f"GP-{year:04d}-{sequence:06d}"


@lru_cache(maxsize=65536)
def dispute_id_for(case_no: str) -> UUID:
    """A case's id follows from its case number, so either resolves without a lookup table."""
    return uuid5(FENGQIAO_NAMESPACE, f"dispute:{case_no}")


@lru_cache(maxsize=256)
def sequence_id_for(year: int) -> UUID:
    return uuid5(FENGQIAO_NAMESPACE, f"case-numbers:{year:04d}")


class CaseNumberIssued(msgspec.Struct, frozen=True, kw_only=True):
    """The n-th case number of a year; version n of that year's sequence, so the store's
    primary key makes numbers unique and gap-free under concurrent registrations."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    case_number: str
    dispute_id: UUID
    command_id: UUID | None = None


class UnitAdded(msgspec.Struct, frozen=True, kw_only=True):
    """The task force added a member unit (item 三(一))."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: Actor
    code: str
    name: str


class YearScheduleLoaded(msgspec.Struct, frozen=True, kw_only=True):
    """A year's official holiday notice was loaded."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: Actor
    schedule: YearSchedule
