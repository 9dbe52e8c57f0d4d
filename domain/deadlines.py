"""One meaning of "late" and "overdue" for every reader of a deadline (domain.md, "Overdue").

A deadline's end (`due_at`) is 24:00 Asia/Shanghai of its last day, which is 00:00:00 of the next
day: an act at that very instant already belongs to the next day, so it is late. The aggregate,
the read models, the queues and the filters all ask these functions, never their own comparison.
"""

from __future__ import annotations

from datetime import datetime


def is_late(due_at: datetime, at: datetime) -> bool:
    """An act (or the present moment) at `at` is past the deadline ending at `due_at`."""
    return at >= due_at


def deadline_overdue(due_at: datetime, ended_at: datetime | None, now: datetime) -> bool:
    """A deadline is overdue when it is open and its end has passed, or when it was met (or
    closed) after its end."""
    return is_late(due_at, ended_at if ended_at is not None else now)


def open_and_passed(due_at: datetime, ended_at: datetime | None, now: datetime) -> bool:
    """What makes a *case* overdue: a deadline still open (neither met nor closed) whose end has
    passed now, or at the asOf instant a timeline is read at."""
    return ended_at is None and is_late(due_at, now)


def was_missed(due_at: datetime, ended_at: datetime | None, now: datetime, *, recorded: bool = False) -> bool:
    """A miss in the case's history: a recorded miss stays one whatever follows (never undone);
    otherwise the deadline is overdue in the sense above."""
    return recorded or deadline_overdue(due_at, ended_at, now)
