"""Queries for pull integrators: the change feed (every case event a caller may read, in log
order, with the case's status after it) and the webhook deliveries (the worker's bookkeeping).

The change feed reads the timelines read model; the status after an event is the case's current
status for its latest event, and otherwise folded from the case's timeline rows up to it, so no
extra read model has to be kept (and rebuilt) for it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from domain import events as ev
from projections.batches import select_by_ids
from projections.case_view import CaseView, fold
from projections.cases import decode
from projections.queries import MAX_PAGE, CaseFilter, Page, Scope, filter_sql, parse_cursor

FEED_PAGE = 500
_TIMELINES = "SELECT case_id, version, topic, state FROM rm_timeline WHERE case_id {in}"


@dataclass(frozen=True)
class Change:
    position: int
    case_number: str
    version: int
    type: str
    at: str
    recorded_at: str
    status: str


def _event(topic: str, state: bytes) -> Any:
    cls = getattr(ev, topic.rsplit(":", 1)[-1], None)
    return None if cls is None else msgspec.json.decode(state, type=cls)


def _statuses(cur: Any, wanted: dict[str, int]) -> dict[tuple[str, int], str]:
    """(case id, version) -> the case's status after that version, for every version up to
    the one wanted per case (the cases' timeline rows read in one query per chunk)."""
    rows = select_by_ids(cur, _TIMELINES, list(wanted))
    rows.sort(key=lambda r: (str(r[0]), int(r[1])))
    out: dict[tuple[str, int], str] = {}
    views: dict[str, CaseView | None] = {}
    for case_id, version, topic, state in rows:
        key = str(case_id)
        if int(version) > wanted[key]:
            continue
        event = _event(str(topic), bytes(state))
        view = fold(views.get(key), event) if event is not None else views.get(key)
        views[key] = view
        if view is not None:
            out[(key, int(version))] = view.status
    return out


def change_page(cur: Any, reach: Scope, *, after: int, first: int) -> tuple[list[Change], bool]:
    """Up to `first` changes after log position `after`; and whether more follow."""
    where, args = reach.sql()
    limit = max(0, min(first, FEED_PAGE))
    cur.execute(
        "SELECT t.position, c.case_number, t.version, t.type, t.at, t.recorded_at, t.case_id, c.version, c.status"
        f" FROM rm_timeline t JOIN rm_cases c ON c.id = t.case_id WHERE t.position > ? AND {where}"  # noqa: S608 - reach's fixed text
        " ORDER BY t.position LIMIT ?",
        [after, *args, limit + 1],
    )
    rows = cur.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    wanted: dict[str, int] = {}
    for r in rows:
        if int(r[2]) != int(r[7]):
            wanted[str(r[6])] = max(wanted.get(str(r[6]), 0), int(r[2]))
    folded = _statuses(cur, wanted) if wanted else {}
    changes = [
        Change(
            position=int(r[0]),
            case_number=str(r[1]),
            version=int(r[2]),
            type=str(r[3]),
            at=str(r[4]),
            recorded_at=str(r[5]),
            status=str(r[8]) if int(r[2]) == int(r[7]) else folded.get((str(r[6]), int(r[2])), str(r[8])),
        )
        for r in rows
    ]
    return changes, more


_LAST_ACT = "(SELECT MAX(t.at) FROM rm_timeline t WHERE t.case_id = rm_cases.id)"


def list_cases_by_last_act(cur: Any, f: CaseFilter, reach: Scope, *, first: int, after: str | None, now: datetime) -> Page:
    """The case whose latest act is latest first: the act time of its last event by act time
    (the timelines read model), so a back-dated entry sorts where it happened."""
    where, args = filter_sql(f, reach, now)
    cur.execute(f"SELECT COUNT(*) FROM rm_cases WHERE {where}", args)  # noqa: S608
    total = int(cur.fetchone()[0])
    outer, outer_args = "1 = 1", []
    if after is not None:
        last, case_number = parse_cursor(after)
        outer = "(last_act < ? OR (last_act = ? AND case_number < ?))"
        outer_args = [last, last, case_number]
    limit = max(0, min(first, MAX_PAGE))
    cur.execute(
        f"SELECT doc, last_act FROM (SELECT doc, case_number, {_LAST_ACT} AS last_act FROM rm_cases WHERE {where}) x"  # noqa: S608
        f" WHERE {outer} ORDER BY last_act DESC, case_number DESC LIMIT ?",
        [*args, *outer_args, limit + 1],
    )
    rows = cur.fetchall()
    found = [(decode(r[0]), str(r[1])) for r in rows[:limit]]
    cursors = [base64.urlsafe_b64encode(f"{last}|{v.case_number}".encode()).decode() for v, last in found]
    return Page(
        views=[v for v, _ in found],
        cursors=cursors,
        total=total,
        has_next=len(rows) > limit,
        has_previous=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


@dataclass(frozen=True)
class Delivery:
    subscription_id: str
    position: int
    event_id: str
    case_number: str
    type: str
    status: str
    attempts: int
    next_at: str
    created_at: str
    delivered_at: str | None
    last_code: int | None
    last_error: str | None


def delivery_page(
    cur: Any,
    *,
    owner: tuple[str, str] | None,
    subscription_id: str | None,
    status: str | None,
    after: tuple[int, str] | None,
    first: int,
) -> tuple[list[Delivery], bool]:
    """Deliveries in log order, of the subscriptions of `owner` (subject, role), or of all when
    None; keyset paging on (position, subscription id)."""
    where = ["1 = 1"]
    args: list[Any] = []
    if owner is not None:
        where.append("s.owner_subject = ? AND s.owner_role = ?")
        args += list(owner)
    if subscription_id is not None:
        where.append("d.subscription_id = ?")
        args.append(subscription_id)
    if status is not None:
        where.append("d.status = ?")
        args.append(status)
    if after is not None:
        where.append("(d.position > ? OR (d.position = ? AND d.subscription_id > ?))")
        args += [after[0], after[0], after[1]]
    limit = max(0, min(first, FEED_PAGE))
    cur.execute(
        "SELECT d.subscription_id, d.position, d.event_id, d.case_number, d.type, d.status, d.attempts, d.next_at,"
        " d.created_at, d.delivered_at, d.last_code, d.last_error"
        " FROM wh_deliveries d JOIN wh_subscriptions s ON s.id = d.subscription_id"
        f" WHERE {' AND '.join(where)} ORDER BY d.position, d.subscription_id LIMIT ?",  # noqa: S608 - fixed text
        [*args, limit + 1],
    )
    rows = cur.fetchall()
    found = [
        Delivery(str(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), int(r[6]), str(r[7]), str(r[8]),
                 r[9], None if r[10] is None else int(r[10]), r[11])
        for r in rows[:limit]
    ]
    return found, len(rows) > limit
