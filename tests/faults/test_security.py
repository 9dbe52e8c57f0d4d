"""Token tampering (401), the role × unit × operation matrix over REST and GraphQL, bad input on
every path, every dossier's files scanned for personal data, and the search oracle; one deployment."""

from __future__ import annotations

from faults import security, security_dossiers, security_inputs
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


def test_bad_input_everywhere_is_refused_cleanly(fault_deployment: Deployment) -> None:
    result = security_inputs.run_inputs(fault_deployment)
    kinds = {k.split()[0] for k in result["requests"]}
    assert kinds == {"REST", "GraphQL", "console"}, result["requests"]
    assert result["total"] > 1000, result["requests"]
    assert result["5xx"] == [], "\n".join(result["5xx"])
    assert result["control not named"] == [], "\n".join(result["control not named"][:30])
    assert result["recorded"] == 0


def test_dossiers_hold_no_personal_data_a_role_may_not_see_and_searches_are_no_oracle(
    fault_deployment: Deployment,
) -> None:
    result = security_dossiers.run_dossiers_and_oracle(fault_deployment)
    scan, oracle = result["scan"], result["oracle"]
    assert scan.refused == [], scan.refused
    assert scan.dossiers >= 15 and scan.files >= 5 * scan.dossiers, (scan.dossiers, scan.files)
    assert scan.leaks == [], "\n".join(scan.leaks)
    assert scan.unknown == [], scan.unknown[:10]
    # Legal staff's dossiers (personal_data.json, the PDF) show the values whole: the scan finds them.
    assert scan.whole_where_allowed >= 3 * 5
    assert oracle.bits == [], "\n".join(oracle.bits)
    assert oracle.pairs >= 20 and oracle.found_where_allowed >= 6
