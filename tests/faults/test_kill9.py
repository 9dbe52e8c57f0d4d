"""kill -9 of the server's process group and the projections worker under 20 writers, 3 cycles:
no acknowledged command lost, none recorded twice, every unacknowledged one resolved by its retry."""

from __future__ import annotations

import pytest

from faults import kill9
from faults.harness import PiiScanner, Report
from tests.faults.conftest import workdir


def test_kill9_cycles_lose_nothing_and_duplicate_nothing(
    faults_pg: str, tmp_path_factory: pytest.TempPathFactory, pii_scanner: PiiScanner
) -> None:
    report = Report()
    result = kill9.run(report, workdir(tmp_path_factory, "kill9"), cycles=3, writers=20, load=(1.5, 3.0),
                       scanner=pii_scanner)
    figures = result["figures"]
    assert figures["acknowledged"] > 100, figures["acknowledged"]
    assert figures["retried"] > 0, "no command was cut off by a kill; the cycles proved nothing"
    assert not report.failed, "\n".join(f"{f.name}: {f.value} (expected {f.expect})" for f in report.failed) + "\n" + (
        "\n".join(line for lines in report.details.values() for line in lines))
