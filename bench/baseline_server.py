"""B3's baseline: a minimal Litestar app doing B1's raw SQL per command (one transaction: select
the case's rows, insert one row), served by uvicorn with the settings `fengqiao serve` uses.
A registration does the inserts ours does, in one transaction: the year's number stream's last
row, the registered event, the number's event and the case's key row (random bytes for the
wrapped key: the baseline seals nothing).

    python -m bench.baseline_server --port 8123 --sqlite PATH | --postgres CONNINFO
"""

from __future__ import annotations

import argparse
import os
import threading
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import anyio.to_thread
import msgspec
from litestar import Litestar, Request, Response, post

TABLE = "bl_http_events"
KEYS = "bl_http_keys"
COUNTER = UUID("00000000-0000-4000-8000-000000002026")  # the year's number stream


class Answer(msgspec.Struct):
    id: str
    case_number: str
    status: str
    version: int
    position: int | None


def sqlite_backend(path: str) -> Any:
    import sqlite3

    local = threading.local()

    def conn() -> sqlite3.Connection:
        c = getattr(local, "c", None)
        if c is None:
            c = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
            c.execute("PRAGMA journal_mode=WAL")
            local.c = c
        return c

    writer = threading.Lock()

    def command(case_id: UUID, topic: str, state: bytes) -> tuple[int, int]:
        c = conn()
        cur = c.cursor()
        # One writer at a time in the process (as the library's SQLite pool does), rather than
        # leaving 16 threads to SQLite's sleeping busy handler.
        with writer:
            cur.execute("BEGIN IMMEDIATE")  # select-then-insert: take the write lock first
            try:
                cur.execute(f"SELECT * FROM {TABLE} WHERE originator_id=? ORDER BY originator_version ASC", (case_id.hex,))
                rows = cur.fetchall()
                cur.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?)", (case_id.hex, len(rows) + 1, topic, state))
                position = int(cur.lastrowid or 0)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        return len(rows) + 1, position

    def register(case_id: UUID, states: dict[str, tuple[str, bytes]]) -> tuple[int, int]:
        c = conn()
        cur = c.cursor()
        with writer:
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute(f"SELECT originator_version FROM {TABLE} WHERE originator_id=? "
                            "ORDER BY originator_version DESC LIMIT 1", (COUNTER.hex,))
                row = cur.fetchone()
                sequence = (row[0] if row else 0) + 1
                cur.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?)", (case_id.hex, 1, *states["register"]))
                cur.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?)", (COUNTER.hex, sequence, *states["number"]))
                position = int(cur.lastrowid or 0)
                cur.execute(f"INSERT INTO {KEYS} (case_id, wrapped, key_id, created_at) VALUES (?,?,?,?)",
                            (case_id.hex, os.urandom(60), "k1", datetime.now(UTC).isoformat()))
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        return sequence, position

    return command, register


def postgres_backend(conninfo: str) -> Any:
    from psycopg_pool import ConnectionPool

    pool = ConnectionPool(conninfo, min_size=10, max_size=20, kwargs={"autocommit": True}, open=True)

    def command(case_id: UUID, topic: str, state: bytes) -> tuple[int, int]:
        with pool.connection() as c, c.transaction(), c.cursor() as cur:
            cur.execute(f"SELECT * FROM {TABLE} WHERE originator_id = %s ORDER BY originator_version ASC", (case_id,))
            rows = cur.fetchall()
            cur.execute(
                f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) VALUES (%s,%s,%s,%s) "
                "RETURNING notification_id",
                (case_id, len(rows) + 1, topic, state),
            )
            position = cur.fetchone()[0]  # type: ignore[index]
        return len(rows) + 1, int(position)

    def register(case_id: UUID, states: dict[str, tuple[str, bytes]]) -> tuple[int, int]:
        with pool.connection() as c, c.transaction(), c.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(2026)")  # one number at a time (ours retries instead)
            cur.execute(f"SELECT originator_version FROM {TABLE} WHERE originator_id = %s "
                        "ORDER BY originator_version DESC LIMIT 1", (COUNTER,))
            row = cur.fetchone()
            sequence = (row[0] if row else 0) + 1
            cur.execute(
                f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) VALUES (%s,%s,%s,%s), "
                "(%s,%s,%s,%s) RETURNING notification_id",
                (case_id, 1, *states["register"], COUNTER, sequence, *states["number"]),
            )
            position = cur.fetchall()[-1][0]
            cur.execute(f"INSERT INTO {KEYS} (case_id, wrapped, key_id, created_at) VALUES (%s,%s,%s,%s)",
                        (case_id, os.urandom(60), "k1", datetime.now(UTC)))
        return sequence, int(position)

    return command, register


def create_app(command: Any, register: Any, states: dict[str, tuple[str, bytes]]) -> Litestar:
    @post("/api/v1/disputes", status_code=201)
    async def register_case(request: Request[Any, Any, Any]) -> Response[bytes]:
        body = msgspec.json.decode(await request.body())
        case_id = uuid4()
        sequence, position = await anyio.to_thread.run_sync(partial(register, case_id, states))
        answer = Answer(id=str(case_id), case_number=f"GP-2026-{sequence:06d}", status="ACCEPTED", version=1,
                        position=position)
        _ = body
        return Response(msgspec.json.encode(answer), media_type="application/json", status_code=201)

    @post("/api/v1/disputes/{ref:str}/{op:str}", status_code=200)
    async def act(request: Request[Any, Any, Any], ref: str, op: str) -> Response[bytes]:
        body = msgspec.json.decode(await request.body())
        _ = body
        topic, state = states[op]
        case_id = UUID(ref)
        version, position = await anyio.to_thread.run_sync(partial(command, case_id, topic, state))
        answer = Answer(id=ref, case_number=ref, status="OK", version=version, position=position)
        return Response(msgspec.json.encode(answer), media_type="application/json")

    return Litestar([register_case, act], debug=False)


def main() -> None:
    import uvicorn

    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--log-level", default="warning")
    p.add_argument("--sqlite")
    p.add_argument("--postgres")
    p.add_argument("--states", required=True, help="msgspec JSON file: op -> [topic, state]")
    args = p.parse_args()
    with open(args.states, "rb") as f:
        raw = msgspec.json.decode(f.read(), type=dict[str, tuple[str, bytes]])
    command, register = sqlite_backend(args.sqlite) if args.sqlite else postgres_backend(args.postgres)
    app = create_app(command, register, raw)
    # The settings interfaces.cli.serve._serve gives uvicorn.
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, proxy_headers=False,
                            timeout_graceful_shutdown=10, lifespan="on")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
