"""Import: validate every row of a ledger file, then record them all through the application's
ledger import, or nothing if any row is bad; and the report of what happened."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from application.errors import DomainError
from application.ledger_import import KnownCase, LedgerRow, Recorded, Shortfall, record
from domain.values import Status
from interfaces.ledger.cells import Issue
from interfaces.ledger.columns import FIELD_COLUMNS, H_HANDLING, ROW_COLUMNS, LedgerError
from interfaces.ledger.export import LedgerRuntime
from interfaces.ledger.files import DEFAULT_LIMITS, Limits, open_table
from interfaces.ledger.labels import STATUS_ZH, norm, unit_lookup
from interfaces.ledger.validation import Issues, validate
from projections.case_view import CaseView
from projections.queries import EVERYTHING, MAX_PAGE, CaseFilter, list_cases

EXISTING_NOTE = "already in the store (same payer, received time, unit, channel, category, summary)"


def import_ledger(
    runtime: LedgerRuntime, path: Path, *, unit: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Validate every row of the ledger at `path`, then record them all, or nothing if any is bad.

    The file is streamed twice (validate, then record), so memory does not grow with its size;
    a file over `limits` is refused. Returns the report: {file, rows, imported, replayed, existing,
    case_numbers, cases, errors, error_count}: `errors` lists the first 100 problems, `error_count`
    counts them all. `imported` counts the cases recorded now, `replayed` the rows an earlier
    import of the same rows recorded already (idempotency keys), `existing` the rows whose case
    was found in the store.
    """
    app = runtime.fengqiao
    report: dict[str, Any] = {"file": str(path), "rows": 0, "imported": 0, "replayed": 0, "existing": 0,
                              "case_numbers": [], "cases": [], "errors": [], "error_count": 0}
    units = app.units()
    if unit is not None:
        code = unit_lookup(units).get(norm(unit))
        if code is None:
            return _failed(report, [Issue(None, "--unit", f"unknown unit {unit!r}; known: {', '.join(sorted(units))}")])
        unit = code
    now = app.clock()
    issues = Issues()
    try:
        with open_table(path, limits) as table:
            table.rows = _counted(table.rows, report)
            for _row in validate(table, units, unit=unit, now=now, issues=issues):
                pass  # the first pass only checks: nothing is kept
    except LedgerError as e:
        issues.append(Issue(None, None, str(e)))
    if issues.total:
        return _failed(report, issues, issues.total)
    runtime.reads.runner.catch_up()
    try:
        with open_table(path, limits) as table:
            for row in validate(table, units, unit=unit, now=now, issues=issues):
                if not _record_row(runtime, row, report):
                    break
    except LedgerError as e:  # the file changed between the two passes
        report["errors"].append(Issue(None, None, f"{e}; rows before it are recorded").as_dict())
        report["error_count"] = len(report["errors"])
    return report


def _counted(rows: Iterator[tuple[int, dict[str, Any]]], report: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for row in rows:
        report["rows"] += 1
        yield row


def _failed(report: dict[str, Any], issues: list[Issue], count: int | None = None) -> dict[str, Any]:
    report["errors"] = [i.as_dict() for i in issues]
    report["error_count"] = len(issues) if count is None else count
    return report


def _record_row(runtime: LedgerRuntime, row: LedgerRow, report: dict[str, Any]) -> bool:
    try:
        recorded = record(runtime.fengqiao, row, lambda r: _existing_case(runtime, r))
    except DomainError as e:
        field = getattr(e, "field", None)
        column = FIELD_COLUMNS.get(field or "", field)
        report["errors"].append(Issue(row.row, column, f"not recorded: {e}. Rows before it are "
                                      "recorded; import the same file again to finish (they replay).").as_dict())
        report["error_count"] = len(report["errors"])
        return False
    report[recorded.outcome] += 1
    report["case_numbers"].append(recorded.case_number)
    report["cases"].append(_entry(row, recorded))
    return True


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
                        received_to=c.received_at, personal_scope=EVERYTHING)
    page = runtime.reads.query(list_cases, wanted, EVERYTHING, first=MAX_PAGE, after=None, now=app.clock())
    views: list[CaseView] = page.views
    for view in views:
        if (view.accepting_unit, view.channel, view.category, view.summary.strip()) == (
            c.accepting_unit, c.channel.value, c.category.value, c.summary
        ):
            return KnownCase(view.case_number, view.status)
    return None
