"""Token tampering (401) and the role × unit × operation matrix over REST and GraphQL."""

from __future__ import annotations

from faults import security
from faults.harness import Deployment, PiiScanner


def test_tampered_tokens_answer_401_and_record_nothing(fault_deployment: Deployment, pii_scanner: PiiScanner) -> None:
    result = security.token_checks(fault_deployment, "GP-2026-000001", pii_scanner)
    assert result["variants"] >= 15
    assert result["not 401"] == [], "\n".join(result["not 401"])
    assert result["recorded"] == 0


def test_role_matrix_gives_no_access_beyond_the_contract(fault_deployment: Deployment, pii_scanner: PiiScanner) -> None:
    result = security.run_matrix(fault_deployment, pii_scanner, dossier=False)
    assert sum(result["checked"].values()) > 2000, result["checked"]
    assert result["unexplained"] == [], "\n".join(result["unexplained"][:40])
    assert result["recorded by the matrix"] == 0


def test_a_handler_flags_risk_only_on_cases_its_unit_handles(fault_deployment: Deployment) -> None:
    assert security.risk_flag_by_a_handler_not_handling(fault_deployment) == []
