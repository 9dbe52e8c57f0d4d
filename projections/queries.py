"""Questions asked of the read models: the case view, work queues, timelines (supervision's figures are in projections/supervision.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import msgspec

from domain.values import DESIGNATING_UNIT
from projections.case_view import TASKFORCE_OFFICE, CaseView
from projections.cases import decode, ts

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PAGE = 200
TASKFORCE_HOST = "tax"  # the task-force office sits in the tax bureau (item 三(一))


def unit_pattern(unit: str) -> str:
    """A LIKE pattern matching the unit exactly inside the ",a,b," list (`_` and `%` are literal)."""
    escaped = unit.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%,{escaped},%"


class Scope(Protocol):
    """Which rows of rm_cases a question may see, as an SQL condition and its parameters. The
    application's read side makes them (a caller's reach, the cases it sees whole); the
    projections only apply them."""

    def sql(self) -> tuple[str, list[Any]]: ...


class Everything:
    """Every case: the system's own questions (schedulers, imports), never a caller's."""

    def sql(self) -> tuple[str, list[Any]]:
        return "1 = 1", []


EVERYTHING = Everything()


@dataclass
class CaseFilter:
    status: str | None = None
    level: str | None = None
    unit: str | None = None
    category: str | None = None
    channel: str | None = None
    township: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    overdue: bool | None = None
    external_ref: str | None = None
    risk_level: str | None = None
    id_digest: str | None = None
    # The payer-name column's search keys: the name's keyed digest and (for cases stored before
    # names were sealed) the name itself.
    payer_name: tuple[str, ...] | None = None
    # Personal-data criteria match only within this scope (the cases the caller sees whole).
    personal_scope: Scope | None = None
    changed_since: datetime | None = None  # an event recorded at or after this instant


@dataclass
class Page:
    views: list[CaseView]
    cursors: list[str]
    total: int
    has_next: bool
    has_previous: bool
    end_cursor: str | None
    start_cursor: str | None


def _cursor(view: CaseView) -> str:
    raw = f"{ts(view.received_at)}|{view.case_number}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def parse_cursor(cursor: str) -> tuple[str, str]:
    try:
        received, case_number = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("after: not a cursor returned by this API") from None
    return received, case_number


def find_case(cur: Any, *, case_number: str | None = None, case_id: str | None = None, reach: Scope) -> CaseView | None:
    where, params = reach.sql()
    if case_number is not None:
        cur.execute(f"SELECT doc FROM rm_cases WHERE case_number = ? AND {where}", [case_number, *params])  # noqa: S608
    else:
        cur.execute(f"SELECT doc FROM rm_cases WHERE id = ? AND {where}", [case_id, *params])  # noqa: S608
    row = cur.fetchone()
    return None if row is None else decode(row[0])


def find_cases(cur: Any, case_numbers: list[str], reach: Scope) -> dict[str, CaseView]:
    if not case_numbers:
        return {}
    where, params = reach.sql()
    marks = ", ".join("?" * len(case_numbers))
    cur.execute(f"SELECT doc FROM rm_cases WHERE case_number IN ({marks}) AND {where}", [*case_numbers, *params])  # noqa: S608
    return {v.case_number: v for v in (decode(r[0]) for r in cur.fetchall())}


def filter_sql(f: CaseFilter, reach: Scope, now: datetime) -> tuple[str, list[Any]]:
    where, params = reach.sql()
    clauses, args = [where], list(params)
    for column, value in (
        ("status", f.status),
        ("level", f.level),
        ("category", f.category),
        ("channel", f.channel),
        ("township", f.township),
        ("external_ref", f.external_ref),
        ("risk", f.risk_level),
        ("id_digest", f.id_digest),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value)
    if f.payer_name is not None:
        clauses.append(f"payer_name IN ({', '.join('?' * len(f.payer_name))})")
        args += list(f.payer_name)
    if f.id_digest is not None or f.payer_name is not None:
        # Fail closed: personal-data criteria without a scope match nothing.
        personal, personal_args = ("1 = 0", []) if f.personal_scope is None else f.personal_scope.sql()
        clauses.append(personal)
        args += personal_args
    if f.unit is not None:
        clauses.append("(accepting_unit = ? OR handling_unit = ?)")
        args += [f.unit, f.unit]
    if f.received_from is not None:
        clauses.append("received_at >= ?")
        args.append(ts(f.received_from))
    if f.received_to is not None:
        clauses.append("received_at <= ?")
        args.append(ts(f.received_to))
    if f.changed_since is not None:
        clauses.append("EXISTS (SELECT 1 FROM rm_timeline t WHERE t.case_id = rm_cases.id AND t.recorded_at >= ?)")
        args.append(ts(f.changed_since))
    if f.overdue is not None:
        # One meaning of overdue (domain.deadlines): an open deadline whose end has passed; the
        # end itself (24:00:00) is already late.
        test = "(open_due IS NOT NULL AND open_due <= ?)"
        clauses.append(test if f.overdue else f"NOT {test}")
        args.append(ts(now))
    return " AND ".join(clauses), args


def list_cases(
    cur: Any, f: CaseFilter, reach: Scope, *, first: int, after: str | None, now: datetime, order: str | None = None
) -> Page:
    """Newest intake first (`order` LAST_ACT_DESC: the latest act first, projections/feeds.py);
    keyset pagination on (received_at, case_number)."""
    if order == "LAST_ACT_DESC":
        from projections.feeds import list_cases_by_last_act  # it builds on this module

        return list_cases_by_last_act(cur, f, reach, first=first, after=after, now=now)
    where, args = filter_sql(f, reach, now)
    cur.execute(f"SELECT COUNT(*) FROM rm_cases WHERE {where}", args)  # noqa: S608
    total = int(cur.fetchone()[0])
    page_where, page_args = where, list(args)
    if after is not None:
        received, case_number = parse_cursor(after)
        page_where += " AND (received_at < ? OR (received_at = ? AND case_number < ?))"
        page_args += [received, received, case_number]
    limit = max(0, min(first, MAX_PAGE))
    cur.execute(
        f"SELECT doc FROM rm_cases WHERE {page_where} ORDER BY received_at DESC, case_number DESC LIMIT ?",  # noqa: S608
        [*page_args, limit + 1],
    )
    found = [decode(r[0]) for r in cur.fetchall()]
    has_next = len(found) > limit
    found = found[:limit]
    cursors = [_cursor(v) for v in found]
    return Page(
        views=found,
        cursors=cursors,
        total=total,
        has_next=has_next,
        has_previous=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


QUEUE_KINDS = ("TO_TRANSFER", "IN_HANDLING", "TO_DELIBERATE", "TO_FEEDBACK", "OBJECTED", "OVERDUE", "TO_DESIGNATE", "RISK")
RISK_UNITS = ("police", TASKFORCE_HOST, TASKFORCE_OFFICE)  # see every case flagged MEDIUM or higher


def queue(cur: Any, unit: str, kind: str, reach: Scope, now: datetime, *, first: int, offset: int = 0) -> tuple[list[CaseView], int]:
    """A page of a unit's work, ordered by the earliest open deadline (cases without one last),
    and how many cases the whole queue holds. Nothing is left out silently: the queue is read
    whole (some kinds are decided per case, after the query) and cut into pages by offset, as a
    queue's order moves with its deadlines rather than with a key."""
    where, args = reach.sql()
    cargs: list[Any]
    if kind == "TO_TRANSFER":
        cond, cargs = "status = 'accepted' AND accepting_unit = ?", [unit]
    elif kind == "TO_DESIGNATE":
        # Cases returned twice wait for gov_office (or the task force) to designate their unit.
        office = unit in (DESIGNATING_UNIT, TASKFORCE_HOST, TASKFORCE_OFFICE)
        cond, cargs = ("status = 'accepted' AND units LIKE ? ESCAPE '\\'", [unit_pattern(DESIGNATING_UNIT)]) if office else ("1 = 0", [])
    elif kind == "IN_HANDLING":
        cond, cargs = "status IN ('transferred', 'deliberated') AND handling_unit = ?", [unit]
    elif kind == "TO_DELIBERATE":
        # The task-force office (hosted by the tax bureau) sees every escalated case; other units
        # see the escalated cases they are part of.
        if unit in (TASKFORCE_HOST, TASKFORCE_OFFICE):
            cond, cargs = "status = 'escalated'", []
        else:
            cond, cargs = "status = 'escalated' AND units LIKE ? ESCAPE '\\'", [unit_pattern(unit)]
    elif kind == "TO_FEEDBACK":
        cond, cargs = "status = 'concluded' AND accepting_unit = ?", [unit]
    elif kind == "OBJECTED":
        cond, cargs = "status = 'objected' AND (accepting_unit = ? OR handling_unit = ?)", [unit, unit]
    elif kind == "RISK":
        cond, cargs = ("risk IN ('medium', 'high')", []) if unit in RISK_UNITS else ("1 = 0", [])
    elif kind == "OVERDUE":
        office = unit in (TASKFORCE_HOST, TASKFORCE_OFFICE)
        cond = "open_due IS NOT NULL AND open_due <= ? AND (units LIKE ? ESCAPE '\\'" + (
            " OR status = 'escalated')" if office else ")"
        )
        cargs = [ts(now), unit_pattern(unit)]
    else:
        raise ValueError(f"kind: unknown queue {kind}")
    cur.execute(
        f"SELECT doc FROM rm_cases WHERE {cond} AND {where} "  # noqa: S608
        "ORDER BY CASE WHEN open_due IS NULL THEN 1 ELSE 0 END, open_due, received_at, case_number",
        [*cargs, *args],
    )
    views = [decode(r[0]) for r in cur.fetchall()]
    if kind in ("TO_TRANSFER", "TO_DESIGNATE"):
        # A case awaiting designation is no longer the accepting unit's to transfer.
        views = [v for v in views if v.awaits_designation == (kind == "TO_DESIGNATE")]
    if kind == "OVERDUE":
        # Only deadlines this unit answers for.
        answers = {unit, TASKFORCE_OFFICE} if unit in (TASKFORCE_HOST, TASKFORCE_OFFICE) else {unit}
        views = [v for v in views if any(d.open_and_passed(now) and d.unit in answers for d in v.deadlines)]
    return views[offset:offset + first], len(views)


def due_for_miss_recording(cur: Any, now: datetime, limit: int = 200) -> list[str]:
    cur.execute(
        "SELECT case_number FROM rm_cases WHERE unrecorded_due IS NOT NULL AND unrecorded_due <= ? "
        "ORDER BY unrecorded_due LIMIT ?",
        [ts(now), limit],
    )
    return [str(r[0]) for r in cur.fetchall()]


def received_before(cur: Any, before: datetime) -> list[str]:
    """Case numbers received before an instant: a case archived before it is among them."""
    cur.execute("SELECT case_number FROM rm_cases WHERE received_at < ? ORDER BY case_number", [ts(before)])
    return [str(r[0]) for r in cur.fetchall()]


def provisional_cases(cur: Any) -> list[str]:
    cur.execute("SELECT case_number FROM rm_cases WHERE provisional = 1 ORDER BY case_number")
    return [str(r[0]) for r in cur.fetchall()]


class TimelineRow(msgspec.Struct):
    version: int
    position: int
    topic: str
    type: str
    at: str
    recorded_at: str
    actor: str
    actor_role: str
    actor_unit: str | None
    state: bytes
    hash: str


RECORDED, ACTED = "recorded", "acted"  # the two time axes of a timeline


def timeline_rows(cur: Any, case_id: str, as_of: datetime | None, axis: str = RECORDED) -> list[TimelineRow]:
    """The case's events up to `as_of`: recorded by then (RECORDED), or acted by then (ACTED,
    back-dated acts recorded later included). Act times never go back along a case's versions,
    so either way the rows are a prefix of its history and fold into its state at that moment."""
    sql = (
        "SELECT version, position, topic, type, at, recorded_at, actor, actor_role, actor_unit, state, hash "
        "FROM rm_timeline WHERE case_id = ?"
    )
    args: list[Any] = [case_id]
    if axis not in (RECORDED, ACTED):
        raise ValueError(f"axis: expected {RECORDED} or {ACTED}, got {axis!r}")
    if as_of is not None:
        sql += " AND recorded_at <= ?" if axis == RECORDED else " AND at <= ?"
        args.append(ts(as_of))
    cur.execute(sql + " ORDER BY version", args)
    return [TimelineRow(*r) for r in cur.fetchall()]
