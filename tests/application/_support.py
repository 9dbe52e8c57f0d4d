"""Helpers for the application-layer tests: actors, request bodies built the way the HTTP layer
builds them (plain dicts converted with msgspec), and small store probes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from application import commands as cmd
from domain.identifiers import resident_id_check_char
from domain.values import Actor, Role


def resident_id(first17: str = "14058119800101123") -> str:
    return first17 + resident_id_check_char(first17)


def _first17_with_check_x() -> str:
    for seq in range(1000):
        first17 = f"14058119850615{seq:03d}"
        if resident_id_check_char(first17) == "X":
            return first17
    raise AssertionError("no sequence gives check character X")


ID_NUMBER = resident_id()  # 140581198001011231
FIRST17_X = _first17_with_check_x()
ID_NUMBER_X = FIRST17_X + "X"
PHONE = "13812345678"

# Actors (subject, role, unit)
CLERK_TAX = Actor("clerk-tax-1", Role.CLERK, "tax")
CLERK_TAX_2 = Actor("clerk-tax-2", Role.CLERK, "tax")
CLERK_HRSS = Actor("clerk-hrss-1", Role.CLERK, "hrss")
HANDLER_TAX = Actor("handler-tax-1", Role.HANDLER, "tax")
HANDLER_HRSS = Actor("handler-hrss-1", Role.HANDLER, "hrss")
HANDLER_FINANCE = Actor("handler-finance-1", Role.HANDLER, "finance")
TASKFORCE = Actor("taskforce-1", Role.TASKFORCE)
LEGAL = Actor("legal-1", Role.LEGAL, "justice")
AUDITOR = Actor("auditor-1", Role.AUDITOR)
INTEGRATOR_12366 = Actor("platform-12366", Role.INTEGRATOR, "tax")
INTEGRATOR_OTHER = Actor("platform-gov", Role.INTEGRATOR, "tax")


def utc(text: str) -> datetime:
    """An ISO instant without offset, read as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def register_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline_12366",
        "received_at": "2026-11-25T02:00:00+00:00",
        "accepting_unit": "tax",
        "payer": {"kind": "individual", "name": "张三", "id_number": ID_NUMBER, "phone": PHONE},
        "category": "late_fee",
        "summary": "对滞纳金加收有异议",
    }
    body.update(overrides)
    return body


TRANSFER_NOTE = "按职责转交"  # a transfer to another unit than the suggested one needs a note


def command(cls: type[cmd.Command], **fields: Any) -> Any:
    """Build a command struct from a JSON-like dict, as the HTTP layer will. A transfer gets a
    note unless the test gives one (or `note=None`), so it may go to any unit."""
    if cls is cmd.Transfer:
        fields.setdefault("note", TRANSFER_NOTE)
    return msgspec.convert(fields, cls)


def register(app: Any, actor: Actor = CLERK_TAX, idempotency: Any = None, **overrides: Any) -> cmd.CommandResult:
    return app.register(msgspec.convert(register_body(**overrides), cmd.RegisterDispute), actor, idempotency)


def transfer(app: Any, ref: str, to_unit: str = "tax", actor: Actor = CLERK_TAX, **fields: Any) -> cmd.CommandResult:
    return app.transfer(ref, command(cmd.Transfer, to_unit=to_unit, **fields), actor)


def progress(app: Any, ref: str, note: str, actor: Actor = HANDLER_TAX, idempotency: Any = None) -> cmd.CommandResult:
    return app.record_progress(ref, command(cmd.RecordProgress, note=note), actor, idempotency)


def event_types(app: Any, ref: str, actor: Actor = AUDITOR) -> list[str]:
    return [type(e).__name__ for e in app.dispute_events(ref, actor)]


def run_concurrently(calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run the calls in threads released together; ("ok", result) or ("error", exception) each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        barrier.wait(timeout=10)
        try:
            outcomes[i] = ("ok", call())
        except Exception as e:  # noqa: BLE001 - the test inspects it
            outcomes[i] = ("error", e)

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not t.is_alive() for t in threads), "a worker thread hung"
    return outcomes


def hold_after_load(app: Any, barrier: threading.Barrier) -> None:
    """Make the app's next commands wait, after loading and checking the case but before saving,
    until `barrier` releases them: every party has then loaded the same version."""
    real = app.reference.calendar

    def waiting_calendar() -> Any:
        barrier.wait(timeout=10)
        return real()

    app.reference.calendar = waiting_calendar
