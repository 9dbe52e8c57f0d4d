"""Export: one row per case received in a period (Asia/Shanghai dates, inclusive), Chinese headers
in the order of COLUMNS, coded values shown by their Chinese names.

Personal data follows the exporting role: `legal` sees it whole (each case's whole view goes to
the access log with the reason "ledger export"), `auditor` and `taskforce` get the masked forms.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from application.bounds import EARLIEST_DAY, LATEST_DAY
from application.disputes import Fengqiao
from application.read_gates import GATE_ROLES, ReadGate
from application.reads import PartyValues, ReadSide
from domain import vocabulary as v
from domain.values import (
    CATEGORY_NAMES_ZH,
    TOWNSHIPS,
    Actor,
    Category,
    Channel,
    InsuranceType,
    Outcome,
    PayerKind,
    Status,
)
from domain.vocabulary import RISK_KIND, RISK_LEVEL
from interfaces.ledger import files
from interfaces.ledger.columns import (
    COLUMNS,
    H_ACCEPTED_ON,
    H_ANSWERED,
    H_CATEGORY,
    H_CHANNEL,
    H_DESIGNATED,
    H_EXTERNAL,
    H_HANDLING,
    H_ID,
    H_IMPORTED,
    H_INSURANCE,
    H_KIND,
    H_NAME,
    H_NUMBER,
    H_OUTCOME,
    H_OVERDUE,
    H_PEOPLE,
    H_PHONE,
    H_RECEIVED,
    H_RESULT,
    H_RETURNS,
    H_RISK,
    H_SETTLED,
    H_STATUS,
    H_SUMMARY,
    H_TOWNSHIP,
    H_UNIT,
    LedgerError,
)
from interfaces.ledger.labels import CHANNEL_ZH, INSURANCE_ZH, NO, ON_SPOT, OUTCOME_ZH, PAYER_KIND_ZH, STATUS_ZH, YES
from projections.case_view import CaseView
from projections.queries import CaseFilter
from projections.supervision import period_bounds

EXPORT_ROLES = GATE_ROLES[ReadGate.LEDGER_EXPORT]  # for the CLI's --as-role choices
EXPORT_REASON = "ledger export"
PARTY_FIELDS = ["name", "idNumber", "phone"]
FORMATS = ("xlsx", "csv")


class LedgerRuntime(Protocol):
    """What the ledger uses of a runtime: the application and its read side."""

    @property
    def fengqiao(self) -> Fengqiao: ...

    @property
    def reads(self) -> ReadSide: ...


def export_ledger(
    runtime: LedgerRuntime, *, start: date, end: date, out: Path, fmt: str, actor: Actor, reason: str = EXPORT_REASON
) -> dict[str, Any]:
    """Write the ledger of the cases received from `start` to `end` (inclusive) to `out`."""
    if not runtime.reads.may(actor, ReadGate.LEDGER_EXPORT):
        raise LedgerError(f"role {actor.role} may not export the ledger (legal, auditor or taskforce)")
    if fmt not in FORMATS:
        raise LedgerError(f"unknown format {fmt!r}: xlsx or csv")
    if end < start:
        raise LedgerError("--to is before --from")
    for flag, day in (("--from", start), ("--to", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise LedgerError(f"{flag} must lie from {EARLIEST_DAY} to {LATEST_DAY}")
    app = runtime.fengqiao
    now, received = _received(runtime.reads, actor, start, end, reason, app.clock)
    units = app.units()
    rows = [_ledger_row(view, party, units, now) for view, party in received]
    files.write(out, fmt, rows)
    return {
        "file": str(out),
        "format": fmt,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rows": len(rows),
        "role": actor.role.value,
        "personal_data": "whole" if runtime.reads.sees_all_whole(actor) else "masked",
    }


def _received(
    reads: ReadSide, actor: Actor, start: date, end: date, reason: str, clock: Callable[[], datetime]
) -> tuple[datetime, list[tuple[CaseView, PartyValues]]]:
    """The read side's part of an export: the time of the export once the read models have caught
    up, and the cases received in the period within the actor's reach, in intake order, each with
    its payer as the actor may see it (whole views logged)."""
    reads.runner.catch_up()
    now = clock()
    lo, hi = period_bounds(start, end)
    views = reads.all_received(actor, CaseFilter(received_from=lo, received_to=hi), now, ReadGate.LEDGER_EXPORT)
    return now, [(v, reads.party(actor, v, v.payer, PARTY_FIELDS, reason)) for v in views]


def _ledger_row(view: CaseView, party: PartyValues, units: Mapping[str, str], now: datetime) -> list[Any]:
    if view.outcome is not None:
        outcome = OUTCOME_ZH[Outcome(view.outcome)]
    else:
        outcome = ON_SPOT if view.resolved_on_spot else ""
    values: dict[str, Any] = {
        H_NUMBER: view.case_number,
        H_CHANNEL: CHANNEL_ZH[Channel(view.channel)],
        H_RECEIVED: view.received_at,
        H_ACCEPTED_ON: view.accepted_on,
        H_UNIT: units.get(view.accepting_unit, view.accepting_unit),
        H_KIND: PAYER_KIND_ZH[PayerKind(party.kind)],
        H_NAME: party.name,
        H_ID: party.id_number,
        H_PHONE: party.phone,
        H_CATEGORY: CATEGORY_NAMES_ZH[Category(view.category)],
        H_INSURANCE: "、".join(INSURANCE_ZH[InsuranceType(t)] for t in view.insurance_types),
        H_PEOPLE: view.people_involved,
        H_TOWNSHIP: TOWNSHIPS.get(view.township, view.township) if view.township else "",
        H_EXTERNAL: view.external_ref or "",
        H_SUMMARY: view.summary,
        H_HANDLING: units.get(view.handling_unit, view.handling_unit) if view.handling_unit else "",
        H_STATUS: STATUS_ZH[Status(view.status)],
        H_OUTCOME: outcome,
        H_RESULT: view.result or "",
        H_SETTLED: view.settled_at,
        H_OVERDUE: YES if view.overdue(now) else NO,
        H_IMPORTED: YES if view.imported else NO,
        H_RETURNS: view.returns,
        H_DESIGNATED: units.get(view.designated_to[-1], view.designated_to[-1]) if view.designated_to else "",
        H_RISK: _risk(view),
        H_ANSWERED: "；".join(
            f"{v.PARTY.name(b.party)}：{v.ARCHIVE_BASIS.name(b.basis)}" for b in view.archive_basis
        ),
    }
    return [values[h] for h in COLUMNS]


def _risk(view: CaseView) -> str:
    """群体性风险（中）: the case's highest flag, by the vocabulary's labels."""
    if view.risk_level is None:
        return ""
    return f"{RISK_KIND.name(view.risk_kind or '')}（{RISK_LEVEL.name(view.risk_level)}）"


def parse_day(text: str) -> date:
    """A --from/--to value: an ISO date (2024-10-11)."""
    return date.fromisoformat(unicodedata.normalize("NFKC", text.strip()).replace("/", "-"))


def format_of(out: Path, given: str | None) -> str:
    if given:
        return given
    return "csv" if out.suffix.lower() == ".csv" else "xlsx"
