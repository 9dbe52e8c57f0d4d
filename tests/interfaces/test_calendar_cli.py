"""`fengqiao calendar load`: a published notice replaces the provisional calendar of its year and
recomputes the provisional deadlines, recorded as DeadlinesRecomputed."""

from __future__ import annotations

import functools
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.events import DeadlinesRecomputed
from domain.values import DeadlineKind
from tests.application._support import AUDITOR, register, utc


@pytest.fixture
def cli(settings: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The command line on the test's store and clock."""
    from interfaces import cli as module
    from interfaces import runtime

    monkeypatch.setattr("infrastructure.settings.load_settings", lambda: settings)
    monkeypatch.setattr(runtime, "build_runtime", functools.partial(runtime.build_runtime, clock=clock))
    return module


def test_loading_a_notice_recomputes_the_provisional_deadlines(
    cli: Any, make_app: Any, clock: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a case received on Thu 30 Sep 2027, before any 2027 notice: its transfer is due after
    # the statutory 国庆节 (1-3 Oct) and the days off in lieu (4-5 Oct), provisionally
    clock.set(utc("2027-09-30T03:00:00"))
    case = register(make_app(), received_at="2027-09-30T02:00:00Z").case_number
    before = make_app().get_dispute(case, AUDITOR).clocks[DeadlineKind.TRANSFER].deadline
    assert (before.due_on, before.provisional) == (date(2027, 10, 6), True)
    capsys.readouterr()

    # when the notice (1-7 Oct off, Sat 9 Oct worked) is loaded from a file
    notice = tmp_path / "cn-2027.json"
    notice.write_text(json.dumps({"years": {"2027": {
        "notice": "test notice",
        "days_off": {"国庆节": [f"2027-10-0{d}" for d in range(1, 8)]},
        "make_up_working_days": ["2027-10-09"],
    }}}), encoding="utf-8")
    assert cli.main(["calendar", "load", str(notice)]) == 0

    # then the case's deadline follows the notice, recorded as an event
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["loaded_years"] == [2027]
    assert outcome["recomputed_cases"] == [case]
    assert outcome["calendar"].startswith("cn-official:2004-2027+statutory:sha256:")
    app = make_app()
    recomputed = app.dispute_events(case, AUDITOR)[-1]
    assert isinstance(recomputed, DeadlinesRecomputed)
    assert recomputed.calendar_version == outcome["calendar"]
    after = app.get_dispute(case, AUDITOR).clocks[DeadlineKind.TRANSFER].deadline
    assert (after.due_on, after.provisional) == (date(2027, 10, 8), False)
    assert "skipped 2027-10-04 (Mon): 国庆节 holiday" in after.derivation

    # and loading it again records nothing
    assert cli.main(["calendar", "load", str(notice)]) == 0
    assert json.loads(capsys.readouterr().out)["loaded_years"] == []
