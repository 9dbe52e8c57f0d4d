"""The delivery worker's bookkeeping in the read-model database.

`scan` reads the event log like a projection: in one transaction it applies a batch of events to
the subscriptions it knows, queues one delivery per event and interested subscription (with the
message fixed then, so every retry sends the same bytes), and moves each subscription's position
and the scan's own, conditionally, so two workers never queue a batch twice.
`due` picks what to send now: per subscription and case only the earliest waiting delivery, so a
case's events arrive in order while other cases go on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from application.access import may_read
from application.errors import ConcurrentRunner
from application.webhooks import cloud_event, event_id, verb_of
from domain import events as ev
from domain.subscription import (
    SUBSCRIPTIONS_ID,
    SubscriptionCreated,
    SubscriptionDeleted,
    SubscriptionDisabled,
    SubscriptionEvent,
    SubscriptionSecretRotated,
)
from domain.values import Actor, Role
from projections.batches import select_by_ids
from projections.case_view import CaseView, fold
from projections.cases import ts

NAME = "deliveries"  # the scan: events looked at for deliveries
CASES = "delivery-cases"  # the fold of the cases (wh_cases), which may lag while nobody subscribes
DDL = [
    "CREATE TABLE IF NOT EXISTS wh_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS wh_subscriptions (
        id TEXT PRIMARY KEY,
        owner_subject TEXT NOT NULL,
        owner_role TEXT NOT NULL,
        owner_unit TEXT,
        url TEXT NOT NULL,
        event_types TEXT NOT NULL,
        secret_sealed TEXT NOT NULL,
        status TEXT NOT NULL,
        position BIGINT NOT NULL,
        failing_since TEXT
    )""",
    "CREATE TABLE IF NOT EXISTS wh_cases (id TEXT PRIMARY KEY, doc BYTEA NOT NULL)",
    """CREATE TABLE IF NOT EXISTS wh_deliveries (
        subscription_id TEXT NOT NULL,
        position BIGINT NOT NULL,
        event_id TEXT NOT NULL,
        case_id TEXT NOT NULL,
        case_number TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        delivered_at TEXT,
        last_code INTEGER,
        last_error TEXT,
        body BYTEA NOT NULL,
        PRIMARY KEY (subscription_id, position)
    )""",
    "CREATE INDEX IF NOT EXISTS wh_deliveries_due ON wh_deliveries (status, next_at)",
    "CREATE INDEX IF NOT EXISTS wh_deliveries_case ON wh_deliveries (subscription_id, case_id, status, position)",
]
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
_view_decoder = msgspec.json.Decoder(CaseView)
_CASES = "SELECT id, doc FROM wh_cases WHERE id {in}"


class Sub(msgspec.Struct):
    id: str
    owner: Actor
    types: tuple[str, ...]
    status: str
    position: int

    def wants(self, verb: str | None, view: CaseView) -> bool:
        if self.status != "active" or verb is None or (self.types and verb not in self.types):
            return False
        return may_read(
            self.owner,
            units_involved=view.units_involved,
            registered_by_subject=view.registered_by_subject,
            registered_by_role=view.registered_by_role,
            accepting_unit=view.accepting_unit,
        )


def create(store: Any) -> None:
    """The tables, each statement in its own transaction: `CREATE INDEX IF NOT EXISTS` locks its
    table on PostgreSQL even when the index exists, and a process starting beside a running
    worker must not hold that lock while it waits for a tracking row (a deadlock)."""
    for statement in DDL:
        with store.transaction() as cur:
            cur.execute(statement if store.dialect == "postgresql" else statement.replace("BYTEA", "BLOB"))
    for name in (NAME, CASES):
        with store.transaction() as cur:
            cur.execute("INSERT INTO wh_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", (name,))


def scan_position(cur: Any, name: str = NAME) -> int:
    cur.execute("SELECT position FROM wh_tracking WHERE name = ?", (name,))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _move(cur: Any, name: str, since: int, last: int) -> None:
    # Conditional on where this batch started: if another worker moved it meanwhile, the whole
    # batch rolls back instead of being applied twice.
    cur.execute("UPDATE wh_tracking SET position = ? WHERE name = ? AND position = ?", (last, name, since))
    if cur.rowcount != 1:
        raise ConcurrentRunner(f"{name} moved past {since} under this batch")


def active_subscriptions(cur: Any) -> int:
    cur.execute("SELECT COUNT(*) FROM wh_subscriptions WHERE status = 'active'")
    row = cur.fetchone()
    return int(row[0]) if row else 0


def skip(cur: Any, since: int, last: int) -> None:
    """Nobody subscribes and the batch changes no subscription: only the scan moves on (the fold
    of the cases catches up when a subscription comes)."""
    _move(cur, NAME, since, last)


def _fold(cur: Any, items: Sequence[tuple[int, Any]]) -> dict[str, CaseView | None]:
    case_ids = list(dict.fromkeys(str(e.originator_id) for _, e in items if isinstance(e, ev.DisputeEvent)))
    return {str(i): _view_decoder.decode(doc) for i, doc in select_by_ids(cur, _CASES, case_ids)}


def _store_views(cur: Any, views: dict[str, CaseView | None]) -> None:
    docs = [(k, msgspec.json.encode(v)) for k, v in views.items() if v is not None and v.version]
    if docs:
        cur.executemany(
            "INSERT INTO wh_cases (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc", docs
        )


def fold_only(cur: Any, since: int, items: Sequence[tuple[int, Any]]) -> None:
    """Bring the fold of the cases from `since` to the batch's end, queueing nothing."""
    _move(cur, CASES, since, items[-1][0])
    views = _fold(cur, items)
    for _, event in items:
        if isinstance(event, ev.DisputeEvent):
            key = str(event.originator_id)
            views[key] = fold(views.get(key), event)
    _store_views(cur, views)


def _subs(cur: Any) -> dict[str, Sub]:
    cur.execute("SELECT id, owner_subject, owner_role, owner_unit, event_types, status, position FROM wh_subscriptions")
    return {
        str(r[0]): Sub(str(r[0]), Actor(str(r[1]), Role(str(r[2])), r[3]), tuple(json.loads(r[4])), str(r[5]), int(r[6]))
        for r in cur.fetchall()
    }


def _apply_subscription(cur: Any, subs: dict[str, Sub], position: int, event: SubscriptionEvent) -> None:
    key = str(event.subscription_id)
    if isinstance(event, SubscriptionCreated):
        cur.execute(
            "INSERT INTO wh_subscriptions (id, owner_subject, owner_role, owner_unit, url, event_types, secret_sealed,"
            " status, position, failing_since) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, NULL)"
            " ON CONFLICT (id) DO NOTHING",
            (key, event.actor.subject, event.actor.role.value, event.actor.unit, event.url,
             json.dumps(list(event.event_types)), event.secret_sealed, position),
        )
        subs[key] = Sub(key, event.actor, event.event_types, "active", position)
    elif isinstance(event, SubscriptionSecretRotated):
        cur.execute("UPDATE wh_subscriptions SET secret_sealed = ? WHERE id = ?", (event.secret_sealed, key))
    elif isinstance(event, SubscriptionDeleted | SubscriptionDisabled) and key in subs:
        status = "deleted" if isinstance(event, SubscriptionDeleted) else "disabled"
        cur.execute("UPDATE wh_subscriptions SET status = ? WHERE id = ?", (status, key))
        subs[key].status = status


def scan(cur: Any, since: int, items: Sequence[tuple[int, Any]], now: datetime) -> int:
    """Queue the deliveries of `items` (position, event), all after `since`; how many."""
    last = items[-1][0]
    _move(cur, NAME, since, last)
    _move(cur, CASES, since, last)  # the fold must stand where the scan does (the worker sees to it)
    subs = _subs(cur)
    views = _fold(cur, items)
    queued: list[tuple[Any, ...]] = []
    created = ts(now)
    for position, event in items:
        if isinstance(event, SubscriptionEvent) and event.originator_id == SUBSCRIPTIONS_ID:
            _apply_subscription(cur, subs, position, event)
            continue
        if not isinstance(event, ev.DisputeEvent):
            continue
        key = str(event.originator_id)
        view = fold(views.get(key), event)
        views[key] = view
        if isinstance(event, ev.PersonalDataShredded):
            # What was delivered of the case is history only; its (masked) personal data goes.
            cur.execute("DELETE FROM wh_deliveries WHERE case_id = ? AND status = 'delivered'", (key,))
        if view is None:
            continue
        verb = verb_of(event)
        interested = [s for s in subs.values() if s.position < position and s.wants(verb, view)]
        if not interested:
            continue
        body = cloud_event(event, view)
        eid = event_id(event.originator_id, event.originator_version)
        for sub in interested:
            queued.append((sub.id, position, eid, key, view.case_number, verb, PENDING, 0, created, created, body))
    if queued:
        cur.executemany(
            "INSERT INTO wh_deliveries (subscription_id, position, event_id, case_id, case_number, type, status,"
            " attempts, next_at, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (subscription_id, position) DO NOTHING",
            queued,
        )
    _store_views(cur, views)
    cur.execute("UPDATE wh_subscriptions SET position = ? WHERE status = 'active' AND position < ?", (last, last))
    return len(queued)


class Due(msgspec.Struct):
    subscription_id: str
    position: int
    event_id: str
    attempts: int
    url: str
    secret_sealed: str
    body: bytes
    failing_since: str | None


def due(cur: Any, now: datetime, limit: int) -> list[Due]:
    cur.execute(
        "SELECT d.subscription_id, d.position, d.event_id, d.attempts, s.url, s.secret_sealed, d.body, s.failing_since"
        " FROM wh_deliveries d JOIN wh_subscriptions s ON s.id = d.subscription_id"
        " WHERE d.status = 'pending' AND s.status = 'active' AND d.next_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM wh_deliveries e WHERE e.subscription_id = d.subscription_id"
        " AND e.case_id = d.case_id AND e.status = 'pending' AND e.position < d.position)"
        " ORDER BY d.next_at, d.position LIMIT ?",
        (ts(now), limit),
    )
    return [Due(str(r[0]), int(r[1]), str(r[2]), int(r[3]), str(r[4]), str(r[5]), bytes(r[6]), r[7]) for r in cur.fetchall()]


def delivered(cur: Any, items: Sequence[Due], code: int, now: datetime) -> None:
    """Record answered messages, all in the caller's transaction: one statement for the lot
    (psycopg pipelines `executemany`), not two round trips a message."""
    if not items:
        return
    cur.executemany(
        "UPDATE wh_deliveries SET status = ?, attempts = attempts + 1, delivered_at = ?, last_code = ?, last_error = NULL"
        " WHERE subscription_id = ? AND position = ? AND status = 'pending'",
        [(DELIVERED, ts(now), code, item.subscription_id, item.position) for item in items],
    )
    # Only a subscription that was failing is written: the others' rows stay untouched.
    cur.executemany(
        "UPDATE wh_subscriptions SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL",
        [(key,) for key in dict.fromkeys(item.subscription_id for item in items)],
    )


def failed(cur: Any, item: Due, code: int | None, error: str | None, retry_at: datetime | None, now: datetime) -> None:
    """A failed try: wait for the next (`retry_at`) or, the schedule spent, to the dead letters."""
    cur.execute(
        "UPDATE wh_deliveries SET status = ?, attempts = attempts + 1, next_at = ?, last_code = ?, last_error = ?"
        " WHERE subscription_id = ? AND position = ? AND status = 'pending'",
        (PENDING if retry_at else DEAD, ts(retry_at or now), code, (error or "")[:500], item.subscription_id, item.position),
    )
    cur.execute(
        "UPDATE wh_subscriptions SET failing_since = ? WHERE id = ? AND failing_since IS NULL", (ts(now), item.subscription_id)
    )


def replay(cur: Any, now: datetime, subscription_id: str | None) -> int:
    """Send the dead letters again (of one subscription, or all), from a fresh schedule."""
    where = " AND subscription_id = ?" if subscription_id else ""
    cur.execute(
        f"UPDATE wh_deliveries SET status = 'pending', attempts = 0, next_at = ? WHERE status = 'dead'{where}",  # noqa: S608 - fixed text
        (ts(now), subscription_id) if subscription_id else (ts(now),),
    )
    return int(cur.rowcount)


def purge(cur: Any, before: datetime) -> None:
    """Forget delivered messages delivered before `before` (dead letters stay until replayed)."""
    cur.execute("DELETE FROM wh_deliveries WHERE status = 'delivered' AND delivered_at < ?", (ts(before),))


def counts(cur: Any, *, delivered: bool) -> dict[str, dict[str, int]]:
    """Per subscription, deliveries by status; the delivered ones (a week's worth, a long count)
    only when asked."""
    where = "" if delivered else " WHERE status IN ('pending', 'dead')"
    cur.execute(f"SELECT subscription_id, status, COUNT(*) FROM wh_deliveries{where} GROUP BY subscription_id, status")  # noqa: S608 - fixed text
    out: dict[str, dict[str, int]] = {}
    for sub, status, n in cur.fetchall():
        out.setdefault(str(sub), {PENDING: 0, DELIVERED: 0, DEAD: 0})[str(status)] = int(n)
    return out


def oldest_pending(cur: Any) -> str | None:
    cur.execute(
        "SELECT MIN(d.created_at) FROM wh_deliveries d JOIN wh_subscriptions s ON s.id = d.subscription_id"
        " WHERE d.status = 'pending' AND s.status = 'active'"
    )
    row = cur.fetchone()
    return None if row is None or row[0] is None else str(row[0])
