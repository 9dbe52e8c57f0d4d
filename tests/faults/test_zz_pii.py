"""Runs last in this package: no whole ID number or phone reached a caller who may not see it, or a
server log, in anything the quick fault tests produced."""

from __future__ import annotations

from pathlib import Path

from faults.harness import Actor, PiiIndex, PiiScanner, new_phone, new_resident_id


def test_the_scanner_catches_whole_values_and_ignores_masked_ones() -> None:
    index = PiiIndex()
    id_number, phone = new_resident_id(), new_phone()
    index.add("case-1", id_number, phone)
    index.allow("case-1", "tax")
    scanner = PiiScanner(index)
    masked = f'{{"idNumber": "{id_number[:6]}********{id_number[-4:]}", "phone": "{phone[:3]}****{phone[-4:]}"}}'
    scanner.response(Actor("auditor", None, "a"), "masked", masked)
    scanner.response(Actor("clerk", "tax", "c"), "own unit", f'{{"idNumber": "{id_number}"}}')
    scanner.response(Actor("legal", None, "l"), "legal", f'{{"phone": "{phone}"}}')
    assert scanner.leaks == []
    scanner.response(Actor("auditor", None, "a"), "auditor", f'{{"idNumber": "{id_number}", "phone": "{phone}"}}')
    scanner.response(Actor("clerk", "hrss", "c"), "other unit", f'"{phone}"')
    assert [(f.actor, f.value) for f in scanner.leaks] == [("auditor", id_number), ("auditor", phone),
                                                            ("clerk@hrss", phone)]
    assert scanner.matches == 5


def test_no_personal_data_leaked_in_answers_or_logs(pii_scanner: PiiScanner, fault_log_dirs: list[Path]) -> None:
    logs = sorted(p for d in fault_log_dirs for p in d.rglob("*.log"))
    pii_scanner.logs(logs)
    if pii_scanner.scanned == 0 and not logs:
        import pytest

        pytest.skip("no fault test ran before this one")
    leaks = [f"{f.where} [{f.actor}] {f.value[:6]}…" for f in pii_scanner.leaks]
    assert leaks == [], "\n".join(leaks[:30])
    assert pii_scanner.unattributed == [], [f.where for f in pii_scanner.unattributed[:10]]
