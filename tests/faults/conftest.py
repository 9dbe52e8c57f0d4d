"""The quick part of the fault and security suite (faults/), run by `make test` and `make faults-quick`.

Real `fengqiao` processes on PostgreSQL, each test module on a fresh schema that is dropped at the
end. PostgreSQL itself is never restarted here (that is the long suite's `pg` scenario). Without
PostgreSQL these tests skip, except under CI=true, where the `postgres_url` fixture fails them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faults import harness
from faults.harness import Deployment, PiiIndex, PiiScanner

_LOG_DIRS: list[Path] = []


@pytest.fixture(scope="session")
def faults_pg(postgres_url: str) -> str:
    harness.PG_URL = postgres_url
    return postgres_url


@pytest.fixture(scope="session")
def pii_scanner() -> PiiScanner:
    """Every answer the quick tests receive is shown to this scanner; test_zz_pii judges it."""
    return PiiScanner(PiiIndex())


@pytest.fixture(scope="session")
def fault_log_dirs() -> list[Path]:
    return _LOG_DIRS


def workdir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    path = tmp_path_factory.mktemp(name)
    _LOG_DIRS.append(path)
    return path


@pytest.fixture(scope="module")
def fault_deployment(faults_pg: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """One deployment (serve --workers 2 --no-projections + projections run) for a module."""
    with harness.deployment(workdir(tmp_path_factory, "faults-dep")) as dep:
        yield dep


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.postgres)
