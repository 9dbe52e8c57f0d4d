"""`fengqiao demo`: load a realistic set of sample cases into an empty store.

Every case goes through the application's use cases (register, transfer, sign for, …) with
back-dated `at` values, exactly as a clerk recording past acts would, so the demo exercises the
same rules, deadlines and events as real use. Nothing is written to the store directly.

What it loads (default 120 cases, intake from January 2024 to the last working days):
- every member unit accepting cases through its channels, every category, every channel,
  townships across Gaoping, employers and individuals, collective cases, other parties;
- every track: settled on the spot (some archived), general cases transferred, handled, fed back
  to both parties and archived, cases returned as "not ours" and transferred again, special cases
  escalated to the task force and deliberated, objections with remedy guidance (reconsideration,
  litigation, and litigation after a reconsideration decision);
- deadlines missed on purpose: a transfer 3 working days late, a handling that took 9 working
  days, a deliberation held on the 13th working day; risk flags (one HIGH), supervision notices,
  satisfaction records; and open cases at every status so the work queues are populated.

The run is deterministic for a given seed and clock: recent cases are placed relative to the
application's clock, and no act is dated after it.

The scenario material (topics and their texts, people, which cases) is in the TOML files of
`data/`, read by `material`; `planning` places the cases, `case` records their acts, `paths`
strings the acts together.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from application.disputes import Fengqiao
from domain.calendar import SHANGHAI
from domain.reference import sequence_id_for
from interfaces.demo.material import material
from interfaces.demo.paths import PlayedCase, unknown_paths
from interfaces.demo.planning import Demo

DEFAULT_SIZE = 120
FIRST_YEAR = 2020  # the refusal check looks for case numbers issued from this year on

__all__ = ["DEFAULT_SIZE", "DemoRefused", "load_demo", "minimum_size"]


class DemoRefused(Exception):
    """The demo loads only into an empty store."""


def minimum_size() -> int:
    """The smallest demo that still covers every unit, category, channel, path and status."""
    return len(material().scenario.core)


def load_demo(app: Fengqiao, *, seed: int = 20241011, size: int = DEFAULT_SIZE) -> dict[str, Any]:
    """Load about `size` realistic cases through the use cases; refuse if the store holds any case."""
    unknown = unknown_paths(material().scenario)
    if unknown:
        raise ValueError(f"data/scenario.toml names paths the demo cannot walk: {', '.join(unknown)}")
    if size < minimum_size():
        raise ValueError(f"size must be at least {minimum_size()} to cover every unit, category, channel and path")
    now = app.clock()
    current_year = now.astimezone(SHANGHAI).year
    for year in range(FIRST_YEAR, current_year + 1):
        if app.recorder.select_events(sequence_id_for(year), limit=1):
            raise DemoRefused(
                f"the store already holds cases (case numbers were issued for {year}); "
                "the demo loads only into an empty store — point FENGQIAO_DATABASE_URL at a new one"
            )
    demo = Demo(app, seed)
    cases: list[PlayedCase] = []
    for plan in demo.plans(size):
        case = PlayedCase(demo, plan)
        case.play()
        cases.append(case)
    return _summary(cases)


def _summary(cases: list[PlayedCase]) -> dict[str, Any]:
    numbers = sorted(c.ref for c in cases if c.ref)
    by_status = Counter(c.status for c in cases)
    examples: dict[str, str] = {}
    for case in sorted(cases, key=lambda c: c.ref or ""):
        examples.setdefault(case.status, case.ref or "")
    years = Counter(int(n[3:7]) for n in numbers)
    return {
        "cases": len(numbers),
        "by_status": dict(sorted(by_status.items())),
        "years": sorted(years),
        "by_year": {str(y): years[y] for y in sorted(years)},
        "first": numbers[0] if numbers else None,
        "last": numbers[-1] if numbers else None,
        "examples": dict(sorted(examples.items())),
    }
