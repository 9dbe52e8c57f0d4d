"""Instants in and out: arguments must carry an offset (read as UTC); the read models' text is
fixed-width UTC."""

from __future__ import annotations

import datetime as dt


def utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"{field}: must carry a UTC offset")
    return value.astimezone(dt.UTC)


def parse_ts(text: str) -> dt.datetime:
    # The read models' fixed-width UTC text; fromisoformat is ~40x faster than strptime here.
    return dt.datetime.fromisoformat(text)
