"""50 clients racing on one TRANSFERRED case with `progress`: one success per version, losers 409."""

from __future__ import annotations

from faults import race
from faults.harness import Deployment


def test_fifty_clients_one_success_per_version_losers_409(fault_deployment: Deployment) -> None:
    result = race.race(fault_deployment, clients=50, rounds=2)
    assert result["successes"] >= 1, result["codes"]
    assert result["versions with more than one success"] == [], result
    assert result["stored progress events"] == result["successes"], result
    assert result["versions contiguous"] and result["wins contiguous"], result
    # Every loser: 409 error=conflict. (Until the working-tree fix of application/disputes.py _act, a few
    # losers got 400 'at: is before the case's previous event' for an `at` they never sent.)
    assert result["losers not 409 conflict"] == [], result["losers not 409 conflict"]
