"""The process as a user runs it: `fengqiao serve` stops cleanly and keeps its ./var between runs."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import support as s
from tests.e2e.conftest import FENGQIAO, Caller, Server, clean_env, issue_token

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server that is not started yet, in its own working directory and store."""
    if request.param == "sqlite":
        env = clean_env()
    else:
        env = clean_env(
            FENGQIAO_DATABASE_URL=request.getfixturevalue("postgres_url"),
            FENGQIAO_PG_SCHEMA=request.getfixturevalue("pg_schema"),
        )
    srv = Server(request.param, tmp_path, env)
    yield srv
    srv.kill()  # a test that failed half-way leaves no server behind


# How the process handles signals does not depend on the store: SQLite only, to save time.
@pytest.mark.parametrize(
    ("fresh", "sig"),
    [
        pytest.param("sqlite", signal.SIGTERM, id="sqlite-SIGTERM"),
        pytest.param("sqlite", signal.SIGINT, id="sqlite-SIGINT"),
    ],
    indirect=["fresh"],
)
def test_serve_exits_0_on_signal(fresh: Server, sig: int) -> None:
    fresh.start()
    clerk = fresh.caller("clerk", "tax")
    s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    code = fresh.stop(sig)
    assert code == 0, f"exit status {code} after {signal.Signals(sig).name}:\n{fresh.log()[-2000:]}"


def test_restart_keeps_cases_and_secret(fresh: Server) -> None:
    fresh.start()
    if fresh.store == "sqlite":
        assert (fresh.cwd / "var" / "secret").is_file(), "serve did not keep a secret in ./var"
    clerk = Caller(
        fresh, issue_token(fresh.cwd, fresh.env, "e2e-restart", "clerk", "tax"), "clerk", "tax", "e2e-restart"
    )
    first = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    code = fresh.stop()
    assert code == 0, fresh.log()[-2000:]

    fresh.start()
    try:
        # The token issued before the restart still verifies: the secret was kept in ./var.
        s.expect_answer(clerk.command(first["case_number"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)
        second = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
        assert s.sequence_of(second["case_number"]) == s.sequence_of(first["case_number"]) + 1
    finally:
        code = fresh.stop()
    assert code == 0, fresh.log()[-2000:]



@pytest.mark.postgres
def test_token_issue_concurrent_with_another_process_opening_the_store(
    postgres_url: str, pg_schema: str, tmp_path: Path
) -> None:
    """Processes opening a fresh store at once (each creates tables) serialise instead of failing."""
    env = clean_env(FENGQIAO_DATABASE_URL=postgres_url, FENGQIAO_PG_SCHEMA=pg_schema)
    procs = [
        subprocess.Popen(
            [FENGQIAO, "token", "issue", "--subject", f"e2e-{i}", "--role", "clerk", "--unit", "tax"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for i in range(8)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err[-1500:]
        assert out.strip().count(".") == 2
