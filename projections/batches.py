"""What the read models share for working a batch of events at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class LastBatch(Generic[T]):
    """What a projection wrote for each case in its last rebuild batch, and the position that
    batch ended at: the next batch may use it only if it starts exactly there. At most one
    batch's cases are kept, so a rebuild's memory does not grow with the log."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}
        self._upto: int | None = None

    def __len__(self) -> int:
        return len(self._items)

    def take(self, since: int) -> dict[str, T]:
        """The cases known at `since` (none if the last batch ended elsewhere); forgotten until
        the batch being built is kept."""
        known = self._items if self._upto == since else {}
        self.forget()
        return known

    def keep(self, items: dict[str, T], upto: int) -> None:
        self._items, self._upto = items, upto

    def forget(self) -> None:
        self._items, self._upto = {}, None


def write_rows(cursor: Any, sql: str, unnest_sql: str, rows: list[tuple[Any, ...]]) -> None:
    """`sql` once per row; on PostgreSQL `unnest_sql` once, with the rows as column arrays."""
    if getattr(cursor, "dialect", None) == "postgresql":
        cursor.execute_binary(unnest_sql, [list(column) for column in zip(*rows, strict=True)])
    else:
        cursor.executemany(sql, rows)


_IN_CHUNK = 500  # ids per `IN (...)` on SQLite (well under its variable limit)


def select_by_ids(cursor: Any, sql: str, ids: Sequence[str], *, postgresql: str | None = None) -> list[tuple[Any, ...]]:
    """Run `sql` for many ids at once: on PostgreSQL one query with the ids as one text[]
    parameter (`{in}` becomes `= ANY(?)`, or `postgresql` is used as it is), elsewhere one
    `{in}` = `IN (?, …)` query per chunk of ids."""
    if getattr(cursor, "dialect", None) == "postgresql":
        cursor.execute(postgresql or sql.replace("{in}", "= ANY(?)"), (list(ids),))
        return list(cursor.fetchall())
    found: list[tuple[Any, ...]] = []
    for i in range(0, len(ids), _IN_CHUNK):
        chunk = ids[i : i + _IN_CHUNK]
        cursor.execute(sql.replace("{in}", f"IN ({', '.join('?' * len(chunk))})"), chunk)
        found += cursor.fetchall()
    return found
