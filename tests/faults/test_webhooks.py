"""The delivery worker killed (kill -9) 4 times under load while it sends, its PostgreSQL
connections terminated 3 times, the receiver down for 2 s and then answering 500, too slowly
and slowly: every event delivered, in order per case, duplicates only with the same webhook-id
and bytes, signatures verified with `standardwebhooks`."""

from __future__ import annotations

import pytest

from faults import webhooks
from faults.harness import PiiScanner, Report
from tests.faults.conftest import workdir


def test_webhooks_survive_an_outage_errors_and_worker_kills(
    faults_pg: str, tmp_path_factory: pytest.TempPathFactory, pii_scanner: PiiScanner
) -> None:
    report = Report()
    result = webhooks.run(report, workdir(tmp_path_factory, "webhooks"), kills=4, writers=4, outage=2.0,
                          scanner=pii_scanner)
    figures = result["figures"]
    assert figures["expected"] > 20, figures
    assert not report.failed, "\n".join(f"{f.name}: {f.value} (expected {f.expect})" for f in report.failed) + "\n" + (
        "\n".join(line for lines in report.details.values() for line in lines))
