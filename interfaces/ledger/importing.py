"""Import: validate every row of a ledger file, then record them all through the application's
ledger import, or nothing if any row is bad; and the report of what happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from application.errors import DomainError
from application.ledger_import import KnownCase, LedgerRow, Recorded, Shortfall, record
from domain.values import Status
from interfaces.ledger.cells import Issue
from interfaces.ledger.columns import FIELD_COLUMNS, H_HANDLING, ROW_COLUMNS, LedgerError
from interfaces.ledger.export import LedgerRuntime
from interfaces.ledger.files import read_table
from interfaces.ledger.labels import STATUS_ZH, norm, unit_lookup
from interfaces.ledger.validation import validate
from projections.case_view import CaseView
from projections.queries import MAX_PAGE, CaseFilter, Reach, list_cases

EXISTING_NOTE = "already in the store (same payer, received time, unit, channel, category, summary)"


def import_ledger(runtime: LedgerRuntime, path: Path, *, unit: str | None = None) -> dict[str, Any]:
    """Validate every row of the ledger at `path`, then record them all, or nothing if any is bad.

    Returns the report: {file, rows, imported, replayed, existing, case_numbers, cases, errors}.
    `imported` counts the cases recorded now, `replayed` the rows an earlier import of the same
    rows recorded already (idempotency keys), `existing` the rows whose case was found in the store.
    """
    app = runtime.fengqiao
    report: dict[str, Any] = {"file": str(path), "rows": 0, "imported": 0, "replayed": 0, "existing": 0,
                              "case_numbers": [], "cases": [], "errors": []}
    try:
        table = read_table(path)
    except LedgerError as e:
        report["errors"] = [Issue(None, None, str(e)).as_dict()]
        return report
    report["rows"] = len(table.rows)
    units = app.units()
    if unit is not None:
        code = unit_lookup(units).get(norm(unit))
        if code is None:
            report["errors"] = [Issue(None, "--unit", f"unknown unit {unit!r}; known: {', '.join(sorted(units))}").as_dict()]
            return report
        unit = code
    rows, issues = validate(table, units, unit=unit, now=app.clock())
    if issues:
        report["errors"] = [i.as_dict() for i in issues]
        return report
    runtime.reads.runner.catch_up()
    for row in rows:
        try:
            recorded = record(app, row, lambda r: _existing_case(runtime, r))
        except DomainError as e:
            field = getattr(e, "field", None)
            column = FIELD_COLUMNS.get(field or "", field)
            report["errors"].append(Issue(row.row, column, f"not recorded: {e}. Rows before it are "
                                          "recorded; import the same file again to finish (they replay).").as_dict())
            break
        report[recorded.outcome] += 1
        report["case_numbers"].append(recorded.case_number)
        report["cases"].append(_entry(row, recorded))
    return report


def _entry(row: LedgerRow, recorded: Recorded) -> dict[str, Any]:
    entry: dict[str, Any] = {"row": row.row, "original_case_number": row.original_number, "outcome": recorded.outcome,
                             "case_number": recorded.case_number, "status": recorded.status}
    if recorded.outcome == "existing":
        entry["note"] = EXISTING_NOTE
        return entry
    entry["acts"] = list(recorded.acts)
    if recorded.shortfall is not None:
        entry["note"] = note(row.status, recorded.shortfall)
    return entry


def note(status: Status, shortfall: Shortfall) -> str:
    """The report's note on a row whose case is not brought to its ledger status."""
    shown, imported_as = STATUS_ZH[status], STATUS_ZH[shortfall.imported_as]
    missing = "、".join(ROW_COLUMNS[f] for f in shortfall.missing)
    if shortfall.reason == "no_handling_unit":
        said = f"{shown} without {H_HANDLING}"
    elif shortfall.reason == "not_rebuildable":
        said = f"{shown} cannot be rebuilt from the ledger (no escalation, minutes or objection on it)"
    elif shortfall.reason == "told_on_the_spot":
        said = f"{shown} as settled on the spot"
    elif shortfall.reason == "not_on_the_spot":
        said = f"{shown} settled on the spot, but after the day of receipt (a general case: transfer it)"
    elif shortfall.on_spot:
        said = f"{shown} settled on the spot needs {missing}"
    else:
        said = f"{shown} needs {missing}"
    return f"{said}: imported as {imported_as}"


def _existing_case(runtime: LedgerRuntime, row: LedgerRow) -> KnownCase | None:
    """A case the store holds already with the row's payer, received time, unit, channel,
    category and summary."""
    c = row.register
    app = runtime.fengqiao
    wanted = CaseFilter(id_digest=app.privacy.digest(c.payer.id_number), received_from=c.received_at,
                        received_to=c.received_at)
    page = runtime.reads.query(list_cases, wanted, Reach(everything=True), first=MAX_PAGE, after=None, now=app.clock())
    views: list[CaseView] = page.views
    for view in views:
        if (view.accepting_unit, view.channel, view.category, view.summary.strip()) == (
            c.accepting_unit, c.channel.value, c.category.value, c.summary
        ):
            return KnownCase(view.case_number, view.status)
    return None
