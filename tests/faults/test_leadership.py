"""Two deployments in two schemas of one database each get their projections run.

Found by this suite: the projections' advisory lock had one fixed key per database
(infrastructure/coordination.py LOCK_KEY), so a runner in another schema (another deployment,
another test run) kept this one standing by and its read models never moved. Fixed meanwhile
by scoping the key to FENGQIAO_PG_SCHEMA; this guards the fix with the real, unpatched worker.
"""

from __future__ import annotations

import pytest

from faults import coordination
from tests.faults.conftest import workdir


def test_projections_run_while_another_schema_holds_the_databases_lock(
    faults_pg: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = coordination.check(workdir(tmp_path_factory, "leadership"))
    assert result["projected"], result
