"""The projections worker's LISTEN connection terminated during writes: still projected within 5 s."""

from __future__ import annotations

from faults import listen
from faults.harness import Deployment, PiiScanner, Report


def test_listen_terminated_three_times_events_still_projected_within_5s(
    fault_deployment: Deployment, pii_scanner: PiiScanner
) -> None:
    report = Report()
    result = listen.run(report, fault_deployment.workdir, terminations=3, writers=4, scanner=pii_scanner,
                        dep=fault_deployment)
    assert result["leading"], "the projections worker never took the leadership"
    assert len(result["terminated"]) == 3, result["terminated"]
    assert result["delays"], "nothing was probed"
    assert max(result["delays"]) <= listen.VISIBLE_WITHIN, sorted(result["delays"])[-5:]
    assert not result["problems"], result["problems"]


def test_the_worker_listens_on_the_channel_the_event_store_notifies(fault_deployment: Deployment) -> None:
    # Found by this suite: interfaces/runtime.py listened on 'stored_events' while the eventsourcing
    # recorder NOTIFYs on its events table's name ('fengqiao_events'), so LISTEN never woke the runner
    # (only the 0.2 s poll did). Fixed in the working tree meanwhile (recorder.channel_name).
    assert fault_deployment.wait_projections_leading(60)
    result = listen.channel_check(fault_deployment)
    assert result["received"][result["store"]] >= 1, result  # the store does notify
    assert result["runtime"] == result["store"], result
    assert result["runtime notified"] >= 1, result
