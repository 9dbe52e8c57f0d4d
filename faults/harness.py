"""The shared harness: PostgreSQL schemas, `fengqiao` processes, callers, the ledger, the figures.

Everything here drives the product from outside, as an operator and its clients would: processes
started with an environment, HTTP on 127.0.0.1, and SQL only to look at what was stored (the
event store and the read models of the suite's own schema) or to cut connections.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FENGQIAO = str(BIN / "fengqiao")
PG_URL = os.environ.get("FENGQIAO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SHANGHAI = timezone(timedelta(hours=8))
COORDINATION_APP = "fengqiao-coordination"
PROJECTIONS_LOCK_BASE = 0x46514A50
_OWN_VARIABLES = (
    "FENGQIAO_DATABASE_URL",
    "FENGQIAO_PG_SCHEMA",
    "FENGQIAO_SECRET",
    "FENGQIAO_DATA_KEY",
    "FENGQIAO_SIGNING_KEY",
    "FENGQIAO_VAR_DIR",
    "FENGQIAO_MODE",
    "FENGQIAO_METRICS_TOKEN",
    "FENGQIAO_CHECKPOINT_DIR",
    "FENGQIAO_SERVE_PROJECTIONS",
)


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_connect(**kwargs: Any) -> psycopg.Connection[Any]:
    kwargs.setdefault("autocommit", True)
    kwargs.setdefault("connect_timeout", 3)
    return psycopg.connect(PG_URL, **kwargs)


def pg_problem() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with pg_connect() as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "not available"
        return str(e)


def create_schema(prefix: str = "faults") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with pg_connect() as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    return name


def drop_schema(name: str) -> None:
    assert name.startswith(("faults_", "fq_")), name  # never anything the suite did not create
    for _attempt in range(30):
        try:
            with pg_connect() as conn:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
            return
        except psycopg.OperationalError:
            time.sleep(1)  # the server may be restarting


def pg_wait_up(timeout: float = 120.0) -> float:
    """Wait until PostgreSQL accepts connections; returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pg_problem() is None:
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError("PostgreSQL did not come back")


def pg_cluster(action: str, mode: str | None = None) -> subprocess.CompletedProcess[str]:
    """pg_ctlcluster 15 main ACTION [-m MODE] (restart | stop | start)."""
    args = ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", action]
    if mode is not None:
        args += ["-m", mode]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


def ensure_pg_running() -> None:
    """Leave PostgreSQL running, whatever happened."""
    if pg_problem() is None:
        return
    pg_cluster("start")
    pg_wait_up(120)


# --- processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry.name))
    return pids


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


def pg_client_ports(pids: list[int], pg_port: int = 5432) -> set[int]:
    """Local ports of the TCP connections to PostgreSQL held by these processes."""
    inodes = set().union(*(_socket_inodes(p) for p in pids)) if pids else set()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                local, remote, inode = parts[1], parts[2], int(parts[9])
                if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == pg_port:
                    ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


class Proc:
    """One `fengqiao …` command in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.args = args
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.intended_down = True  # set by kill9()/stop(): the supervisor leaves the process alone
        self.exited_at: float | None = None
        self.lock = threading.RLock()

    def start(self) -> None:
        with self.lock:
            self.intended_down = False
            self.exited_at = None
            self._start()

    def _start(self) -> None:
        with self.log_path.open("ab") as out:
            out.write(f"\n--- start {self.name} #{self.starts + 1} at {datetime.now(UTC).isoformat()}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(  # noqa: S603 - our own entry points
                self.args, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def pids(self) -> list[int]:
        return [] if self.popen is None else _group_pids(self.popen.pid)

    def kill9(self) -> None:
        """kill -9 of the whole process group (the server and its workers)."""
        with self.lock:
            self.intended_down = True
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_pids(self.popen.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self, timeout: float = 15.0) -> int | None:
        with self.lock:
            self.intended_down = True
        if self.popen is None or self.popen.poll() is not None:
            return None if self.popen is None else self.popen.returncode
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None


# --- the deployment under test ---------------------------------------------------------------


def product_scopes_lock() -> bool:
    """Does the product give each schema its own projections advisory lock? (Then faults/launch.py
    is not needed.)"""
    from infrastructure.coordination import PostgresLeadership
    from infrastructure.settings import StoreConfig

    def key(schema: str) -> int:
        return int(PostgresLeadership(StoreConfig(kind="postgresql", host="127.0.0.1", schema=schema))._key)  # noqa: SLF001

    try:
        return key("faults_a") != key("faults_b")
    except Exception:  # noqa: BLE001 - the product changed its internals: scope it ourselves, to be safe
        return False


@dataclass(frozen=True)
class Actor:
    role: str
    unit: str | None
    subject: str

    @property
    def label(self) -> str:
        return f"{self.role}@{self.unit}" if self.unit else self.role


class Deployment:
    """`fengqiao serve --workers N --no-projections` + `fengqiao projections run` on one schema."""

    def __init__(self, workdir: Path, schema: str, *, workers: int = 2, mode: str = "development",
                 real_lock: bool = False, extra_env: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.schema = schema
        self.workers = workers
        workdir.mkdir(parents=True, exist_ok=True)
        self.secret = base64.urlsafe_b64encode(os.urandom(32)).decode()
        self.env = {k: v for k, v in os.environ.items() if k not in _OWN_VARIABLES}
        self.env.update(
            FENGQIAO_DATABASE_URL=PG_URL,
            FENGQIAO_PG_SCHEMA=schema,
            FENGQIAO_VAR_DIR=str(workdir / "var"),
            FENGQIAO_SECRET=self.secret,
            FENGQIAO_DATA_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            FENGQIAO_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
            FENGQIAO_MODE=mode,
            FENGQIAO_METRICS_TOKEN=base64.urlsafe_b64encode(os.urandom(24)).decode(),
            # The defaults (10 + 10 per process and pool) let one deployment of three processes hold
            # some 70 connections; the suite shares max_connections (100) with other test runs.
            FENGQIAO_PG_POOL_SIZE=os.environ.get("FAULTS_PG_POOL_SIZE", "4"),
            FENGQIAO_PG_MAX_OVERFLOW=os.environ.get("FAULTS_PG_MAX_OVERFLOW", "4"),
            PYTHONPATH=str(ROOT),
        )
        self.env.update(extra_env or {})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = Proc(
            "server",
            [FENGQIAO, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers),
             "--no-projections"],
            workdir, self.env, workdir / "server.log",
        )
        projections_cmd = [FENGQIAO, "projections", "run"]
        self.lock_isolated = not (real_lock or os.environ.get("FAULTS_REAL_LOCK") == "1" or product_scopes_lock())
        if self.lock_isolated:
            projections_cmd = [sys.executable, "-m", "faults.launch", "projections", "run"]
        self.projections = Proc("projections", projections_cmd, workdir, self.env, workdir / "projections.log")
        self.tables = {"events": "fengqiao_events"}
        self.unexpected_exits: list[str] = []
        self._supervising = threading.Event()
        self._supervisor: threading.Thread | None = None

    # -- lifecycle --

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [FENGQIAO, *args], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout,
            check=False,
        )

    def init_db(self) -> None:
        done = self.cli("db", "init")
        assert done.returncode == 0, f"fengqiao db init failed: {done.stderr[-2000:]}"

    def start(self, *, projections: bool = True, timeout: float = 60.0) -> None:
        self.start_server(timeout=timeout)
        if projections:
            self.start_projections()
        self._supervising.set()
        if self._supervisor is None:
            self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
            self._supervisor.start()

    def _supervise(self) -> None:
        """What systemd's Restart=always would do: a process that exits on its own is started again
        (after a second). Each such exit is recorded; kill9()/stop() are not exits of that kind."""
        while self._supervising.is_set():
            for proc in (self.server, self.projections):
                with proc.lock:
                    popen = proc.popen
                    if proc.intended_down or popen is None or popen.poll() is None:
                        continue
                    if proc.exited_at is None:
                        proc.exited_at = time.monotonic()
                        tail = [x for x in proc.log_path.read_text(errors="replace").splitlines() if x.strip()]
                        self.unexpected_exits.append(f"{proc.name} exited {popen.returncode} on its own: "
                                                     f"{tail[-1][:300] if tail else ''}")
                    elif time.monotonic() - proc.exited_at >= 1.0 and self._supervising.is_set():
                        proc.start()
            time.sleep(0.2)

    def start_server(self, timeout: float = 60.0) -> float:
        """Start (or restart) the server; returns the seconds until /health answered."""
        started = time.monotonic()
        self.server.start()
        if not self.wait_healthy(timeout):
            raise RuntimeError(f"fengqiao serve did not become healthy:\n{self.server_log()[-3000:]}")
        return time.monotonic() - started

    def start_projections(self) -> None:
        self.projections.start()

    def wait_healthy(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.server.alive and not self._supervising.is_set():
                return False
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def wait_ready(self, timeout: float = 60.0) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if httpx.get(f"{self.url}/ready", timeout=8.0).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        return None

    def stop(self) -> None:
        self._supervising.clear()
        self.server.stop()
        self.projections.stop()

    def kill9(self) -> None:
        self.server.kill9()
        self.projections.kill9()

    def server_log(self) -> str:
        return self.server.log_path.read_text(errors="replace") if self.server.log_path.exists() else ""

    def log_files(self) -> list[Path]:
        return sorted(p for p in self.workdir.glob("*.log") if p.is_file())

    # -- callers --

    def token(self, actor: Actor, ttl: int = 8 * 3600) -> str:
        from domain.values import Role
        from interfaces.auth import issue_token

        return issue_token(self.secret.encode(), subject=actor.subject, role=Role(actor.role), unit=actor.unit, ttl=ttl)

    def caller(self, role: str, unit: str | None = None, subject: str | None = None, **kwargs: Any) -> Caller:
        actor = Actor(role, unit, subject or f"fq-{role}-{unit or 'all'}")
        return Caller(self, actor, self.token(actor), **kwargs)

    # -- the stored truth --

    def qualified(self, table: str) -> sql.Composed:
        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(table))

    def events(self) -> list[dict[str, Any]]:
        """Every stored event: originator, version, type, notification id and its JSON state."""
        with pg_connect() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT originator_id::text, originator_version, topic, notification_id, "
                    "convert_from(state, 'UTF8') FROM {} ORDER BY notification_id"
                ).format(self.qualified(self.tables["events"]))
            ).fetchall()
        return [
            {"id": r[0], "version": r[1], "type": r[2].rsplit(":", 1)[-1], "position": r[3], "state": json.loads(r[4])}
            for r in rows
        ]

    def head(self) -> int:
        with pg_connect() as conn:
            row = conn.execute(
                sql.SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}").format(self.qualified(self.tables["events"]))
            ).fetchone()
        return int(row[0]) if row else 0

    def tracking(self) -> dict[str, int]:
        with pg_connect() as conn:
            rows = conn.execute(sql.SQL("SELECT name, position FROM {}").format(self.qualified("rm_tracking"))).fetchall()
        return {str(n): int(p) for n, p in rows}

    def wait_caught_up(self, timeout: float = 120.0) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with contextlib.suppress(psycopg.Error):
                head = self.head()
                positions = self.tracking()
                if positions and min(positions.values()) >= head:
                    return time.monotonic() - started
            time.sleep(0.2)
        return None

    def dump(self, table: str, order_by: str) -> bytes:
        """The table's rows in a fixed order, as PostgreSQL's COPY text: equal bytes, equal rows."""
        out = bytearray()
        with pg_connect() as conn, conn.cursor() as cur:
            query = sql.SQL("COPY (SELECT * FROM {} ORDER BY {}) TO STDOUT").format(
                self.qualified(table), sql.SQL(order_by)
            )
            with cur.copy(query) as copy:
                for chunk in copy:
                    out += chunk
        return bytes(out)

    def coordination_backends(self) -> list[dict[str, Any]]:
        """The projection worker's 'fengqiao-coordination' backends, marked leader (advisory lock) or not."""
        ports = pg_client_ports(self.projections.pids())
        if not ports:
            return []
        with pg_connect() as conn:
            rows = conn.execute(
                "SELECT a.pid, a.client_port, a.query, "
                "EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory') "
                "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.application_name = %s "
                "AND a.client_port = ANY(%s)",
                (COORDINATION_APP, list(ports)),
            ).fetchall()
        return [{"pid": r[0], "port": r[1], "query": r[2], "leader": bool(r[3])} for r in rows]

    def projections_leading(self) -> bool:
        return any(b["leader"] for b in self.coordination_backends())

    def wait_projections_leading(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(psycopg.Error):
                if self.projections_leading():
                    return True
            time.sleep(0.2)
        return False


# --- test data -------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_serial = iter(range(10**9))
_serial_lock = threading.Lock()


def resident_id_valid(value: str) -> bool:
    """GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS, strict=True))
    return value[17].upper() == _CHECK[total % 11]


def new_resident_id() -> str:
    with _serial_lock:
        n = next(_serial)
    birth = datetime(1950, 1, 1) + timedelta(days=(n * 37) % 20000)
    first17 = f"140581{birth:%Y%m%d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + _CHECK[total % 11]


def new_phone() -> str:
    return f"1{random.choice('3456789')}{random.randrange(10**9):09d}"  # noqa: S311 - test data


def iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def today_in_gaoping() -> str:
    return datetime.now(UTC).astimezone(SHANGHAI).date().isoformat()


FUTURE = "2099-01-01T00:00:00+08:00"


def registration(unit: str, external_ref: str, pii: PiiIndex | None = None, case_hint: str = "") -> dict[str, Any]:
    id_number, phone = new_resident_id(), new_phone()
    contact = new_phone()
    if pii is not None:
        pii.add(external_ref, id_number, phone, contact)
    return {
        "channel": "hotline_12345",
        "received_at": iso(datetime.now(UTC) - timedelta(minutes=2)),
        "accepting_unit": unit,
        "payer": {"kind": "individual", "name": "张三", "id_number": id_number, "phone": phone},
        "category": "benefit",
        "summary": f"养老保险缴费年限与记录不一致 {case_hint}".strip(),
        "other_party": {"name": "高平市某煤业有限公司", "kind": "employer", "contact": contact},
        "external_ref": external_ref,
        "insurance_types": ["pension"],
        "people_involved": 1,
        "township": "140581101",
    }


def command_body(command: str) -> dict[str, Any]:
    """A valid body for each lifecycle command."""
    bodies: dict[str, dict[str, Any]] = {
        "resolve-on-spot": {"result": "当场核对缴费记录并解释", "feedback_method": "in_person"},
        "transfer": {"to_unit": "hrss", "note": "属待遇核定事项"},
        "sign-for": {},
        "return": {"reason": "不属于本单位职责"},
        "progress": {"note": "已调取缴费记录"},
        "conclude": {"outcome": "explained", "result": "已核实并说明政策"},
        "escalate": {"reason": "涉及多部门，需专班研判"},
        "deliberation": {
            "held_at": iso(datetime.now(UTC) - timedelta(seconds=10)),
            "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
            "minutes": "专班集体商议纪要",
            "written_opinion": "由执行单位依规办理",
            "executing_unit": "finance",
        },
        "feedback": {"party": "payer", "method": "phone", "content": "电话告知办理结果"},
        "objection": {"party": "payer", "content": "对结果有异议"},
        "no-objection": {"party": "payer", "note": "电话确认无异议"},
        "remedy-guidance": {"remedy": "reconsideration", "content": "告知可申请行政复议", "act_known_on": today_in_gaoping()},
        "archive": {},
        "risk-flag": {"kind": "群体性", "level": "low", "people_involved": 1, "note": "情绪激动"},
        "supervision-notice": {"unit": "hrss", "content": "请按时办结"},
        "satisfaction": {"party": "payer", "satisfied": True, "note": "回访满意"},
    }
    return dict(bodies[command])


COMMANDS = [
    "resolve-on-spot", "transfer", "sign-for", "return", "progress", "conclude", "escalate", "deliberation",
    "feedback", "objection", "no-objection", "remedy-guidance", "archive", "risk-flag", "supervision-notice",
    "satisfaction",
]
# The event each command records last (its answer's version names it).
EVENT_OF = {
    "register": "DisputeRegistered", "resolve-on-spot": "ResolvedOnSpot", "transfer": "DisputeTransferred",
    "sign-for": "TransferSignedFor", "return": "DisputeReturned", "progress": "ProgressRecorded",
    "conclude": "HandlingConcluded", "escalate": "DisputeEscalated", "deliberation": "DeliberationHeld",
    "feedback": "FeedbackGiven", "objection": "ObjectionRaised", "remedy-guidance": "RemedyGuidanceGiven",
    "no-objection": "NoObjectionConfirmed",
    "archive": "DisputeArchived", "risk-flag": "RiskFlagged", "supervision-notice": "SupervisionNoticeIssued",
    "satisfaction": "SatisfactionRecorded",
}


# --- personal data: what was registered, and a scan for it ----------------------------------

ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
PHONE_PATTERN = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def find_pii(text: str) -> list[str]:
    """Whole resident ID numbers (valid check character) and mobile phone numbers in a text."""
    found = [m.group(0).upper() for m in ID_PATTERN.finditer(text) if resident_id_valid(m.group(0))]
    found += [m.group(0) for m in PHONE_PATTERN.finditer(text)]
    return found


class PiiIndex:
    """Which personal data belong to which case (by external reference), and who may see them whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.owner: dict[str, str] = {}  # value -> external_ref
        self.units: dict[str, set[str]] = {}  # external_ref -> units that may see it whole (accepting, handling)

    def add(self, external_ref: str, *values: str) -> None:
        with self._lock:
            for v in values:
                self.owner[v.upper()] = external_ref

    def allow(self, external_ref: str, *units: str) -> None:
        with self._lock:
            self.units.setdefault(external_ref, set()).update(units)

    def may_see(self, actor: Actor | None, value: str) -> bool | None:
        """True/False for a known value; None for one the suite never registered."""
        ref = self.owner.get(value.upper())
        if ref is None:
            return None
        if actor is None:
            return False
        if actor.role == "legal":
            return True
        return actor.role in ("clerk", "handler") and actor.unit in self.units.get(ref, set())


@dataclass
class PiiFinding:
    where: str
    actor: str
    value: str
    known: bool


class PiiScanner:
    """Scans every response body it is shown; keeps the findings a role should not have seen."""

    def __init__(self, index: PiiIndex) -> None:
        self.index = index
        self._lock = threading.Lock()
        self.scanned = 0
        self.matches = 0
        self.leaks: list[PiiFinding] = []
        self.unattributed: list[PiiFinding] = []
        self.log_lines = 0

    def response(self, actor: Actor | None, where: str, text: str) -> None:
        found = find_pii(text) if text else []
        with self._lock:
            self.scanned += 1
            self.matches += len(found)
        for value in found:
            verdict = self.index.may_see(actor, value)
            finding = PiiFinding(where, actor.label if actor else "anonymous", value, verdict is not None)
            with self._lock:
                if verdict is None:
                    self.unattributed.append(finding)
                elif not verdict:
                    self.leaks.append(finding)

    def logs(self, paths: list[Path]) -> None:
        """Server and worker logs are read by operators: no whole ID number or phone may appear there."""
        for path in paths:
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                self.log_lines += 1
                for value in find_pii(line):
                    self.leaks.append(PiiFinding(f"{path.name}:{number}", "log", value, value.upper() in self.index.owner))


# --- callers ---------------------------------------------------------------------------------


class Caller:
    """One bearer token; every answer it gets is shown to the PII scanner."""

    def __init__(
        self, dep: Deployment, actor: Actor, token: str, *, scanner: PiiScanner | None = None, timeout: float = 15.0
    ) -> None:
        self.dep = dep
        self.actor = actor
        self.token = token
        self.scanner = scanner
        self.client = httpx.Client(base_url=dep.url, timeout=httpx.Timeout(timeout, connect=3.0))

    def close(self) -> None:
        self.client.close()

    def headers(self, key: str | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", "X-Request-ID": uuid.uuid4().hex}
        if key is not None:
            headers["Idempotency-Key"] = key
        headers.update(extra or {})
        return headers

    def _seen(self, where: str, response: httpx.Response) -> httpx.Response:
        if self.scanner is not None:
            self.scanner.response(self.actor, where, response.text)
        return response

    def post(self, path: str, body: Any, key: str | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        return self._seen(f"POST {path}", self.client.post(path, json=body, headers=self.headers(key, headers)))

    def get(self, path: str) -> httpx.Response:
        return self._seen(f"GET {path}", self.client.get(path, headers=self.headers()))

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *, position: int | None = None,
                reason: str | None = None) -> httpx.Response:
        extra = {}
        if position:
            extra["X-Consistency-Position"] = str(position)
        if reason:
            extra["X-Access-Reason"] = reason
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                    headers=self.headers(None, extra))
        return self._seen(f"GRAPHQL {' '.join(query.split())[:80]}", response)


# --- the ledger of acknowledged commands -----------------------------------------------------


@dataclass
class Entry:
    """One command as a client saw it: every attempt, and the answer that acknowledged it."""

    writer: str
    op: str
    path: str
    key: str
    body: dict[str, Any]
    actor: str
    case_ref: str | None
    external_ref: str | None = None
    attempts: list[tuple[float, float, str, str]] = field(default_factory=list)  # (monotonic, wall, request id, outcome)
    answer: dict[str, Any] | None = None
    acked_at: float | None = None
    answered_at: float | None = None

    @property
    def unacked_attempts(self) -> int:
        return sum(1 for _t, _w, _r, outcome in self.attempts if not outcome.startswith("2"))

    @property
    def last_failed_wall(self) -> float | None:
        failed = [w for _t, w, _r, outcome in self.attempts if not outcome.startswith("2")]
        return max(failed) if failed else None

    def as_json(self) -> dict[str, Any]:
        return {"writer": self.writer, "op": self.op, "path": self.path, "key": self.key, "actor": self.actor,
                "external_ref": self.external_ref, "attempts": self.attempts, "answer": self.answer}


class Ledger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.entries: list[Entry] = []
        self.codes: dict[str, int] = {}
        self.unexpected: list[str] = []
        self.server_errors: list[str] = []

    def add(self, entry: Entry) -> None:
        with self._lock:
            self.entries.append(entry)

    def count(self, outcome: str) -> None:
        with self._lock:
            self.codes[outcome] = self.codes.get(outcome, 0) + 1

    def note_unexpected(self, text: str) -> None:
        with self._lock:
            self.unexpected.append(text)

    def note_500(self, text: str) -> None:
        with self._lock:
            self.server_errors.append(text)

    @property
    def acked(self) -> list[Entry]:
        return [e for e in self.entries if e.answer is not None]

    def write(self, path: Path) -> None:
        with path.open("w") as out:
            for e in self.entries:
                out.write(json.dumps(e.as_json(), ensure_ascii=False) + "\n")


class GiveUp(RuntimeError):
    pass


def send_until_acked(
    caller: Caller, ledger: Ledger, entry: Entry, *, give_up_at: Callable[[], float], ok: tuple[int, ...] = (200, 201)
) -> dict[str, Any]:
    """POST with the entry's Idempotency-Key until a 2xx acknowledges it, retrying transport failures,
    503 (store down), 409 in_progress and 500 (counted) with the same key and body."""
    ledger.add(entry)
    delay = 0.05
    while True:
        request_id = uuid.uuid4().hex
        try:
            response = caller.client.post(entry.path, json=entry.body, headers={
                **caller.headers(entry.key), "X-Request-ID": request_id})
            outcome = str(response.status_code)
        except httpx.TimeoutException as e:
            response, outcome = None, f"timeout:{type(e).__name__}"
        except httpx.TransportError as e:
            response, outcome = None, f"transport:{type(e).__name__}"
        now = time.monotonic()
        entry.attempts.append((now, time.time(), request_id, outcome))
        ledger.count(outcome.split(":")[0] if response is None else outcome)
        if response is not None:
            if caller.scanner is not None:
                caller.scanner.response(caller.actor, f"POST {entry.path}", response.text)
            if response.status_code in ok:
                entry.answer = response.json()
                entry.acked_at = now
                return entry.answer
            retry_after = response.headers.get("retry-after")
            if response.status_code >= 500:
                if response.status_code != 503:
                    ledger.note_500(f"{response.status_code} {entry.op} {entry.path}: {response.text[:300]}")
            elif response.status_code == 409 and response.json().get("error") == "in_progress":
                pass
            else:
                ledger.note_unexpected(f"{response.status_code} {entry.op} {entry.path} key={entry.key} "
                                       f"attempt={len(entry.attempts)}: {response.text[:300]}")
                raise GiveUp(entry.key)
            if retry_after:
                with contextlib.suppress(ValueError):
                    delay = max(delay, min(float(retry_after), 1.0))
        if now > give_up_at():
            raise GiveUp(entry.key)
        time.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311 - jitter
        delay = min(delay * 2, 0.5)


class Writer(threading.Thread):
    """A client that registers cases and drives each through its life, every POST with a key.

    Each command is retried with the same key until acknowledged; after `stop` the writer finishes
    the command in hand (until `final_deadline`) and ends."""

    def __init__(self, index: int, dep: Deployment, ledger: Ledger, stop: threading.Event, *, run_id: str,
                 scanner: PiiScanner | None = None, pii: PiiIndex | None = None, progress_steps: int = 2,
                 final_deadline: float = 180.0) -> None:
        super().__init__(name=f"writer-{index}", daemon=True)
        self.index = index
        self.ledger = ledger
        self.stop_event = stop
        self.run_id = run_id
        self.pii = pii
        self.progress_steps = progress_steps
        self.final_deadline = final_deadline
        self.clerk = dep.caller("clerk", "tax", f"{run_id}-w{index}-clerk", scanner=scanner)
        self.handler = dep.caller("handler", "hrss", f"{run_id}-w{index}-handler", scanner=scanner)
        self.sequence = 0
        self.cases = 0
        self.error: BaseException | None = None
        self._stopped_at: float | None = None

    def _give_up_at(self) -> float:
        if self.stop_event.is_set():
            if self._stopped_at is None:
                self._stopped_at = time.monotonic()
            return self._stopped_at + self.final_deadline
        return float("inf")

    def _send(self, op: str, caller: Caller, path: str, body: dict[str, Any], case_ref: str | None,
              external_ref: str | None = None) -> dict[str, Any]:
        self.sequence += 1
        entry = Entry(writer=self.name, op=op, path=path, key=f"{self.run_id}-w{self.index}-{self.sequence}",
                      body=body, actor=caller.actor.label, case_ref=case_ref, external_ref=external_ref)
        return send_until_acked(caller, self.ledger, entry, give_up_at=self._give_up_at)

    def lifecycle(self) -> None:
        ref = f"{self.run_id}-w{self.index}-case{self.cases}"
        self.cases += 1
        if self.pii is not None:
            self.pii.allow(ref, "tax", "hrss")
        body = registration("tax", ref, self.pii)
        answer = self._send("register", self.clerk, "/api/v1/disputes", body, None, ref)
        case = answer["id"]
        on_spot = random.random() < 0.15  # noqa: S311
        payer, other = {"party": "payer"}, {"party": "other_party"}
        # The registration names an other party: both are told, and both confirm no objection
        # (无异议确认) before the archive.
        answered = [("feedback", self.clerk, other), ("no-objection", self.clerk, payer),
                    ("no-objection", self.clerk, other), ("archive", self.clerk, {})]
        steps: list[tuple[str, Caller, dict[str, Any]]]
        if on_spot:
            steps = [("resolve-on-spot", self.clerk, {}), *answered]
        else:
            steps = [("transfer", self.clerk, {}), ("sign-for", self.handler, {})]
            steps += [("progress", self.handler, {})] * self.progress_steps
            steps += [("conclude", self.handler, {}), ("feedback", self.clerk, payer), *answered]
        for op, caller, extra in steps:
            if self.stop_event.is_set():
                return
            self._send(op, caller, f"/api/v1/disputes/{case}/{op}", {**command_body(op), **extra}, case, ref)

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                self.lifecycle()
        except GiveUp:
            pass
        except BaseException as e:  # noqa: BLE001 - reported by the scenario
            self.error = e
        finally:
            self.clerk.close()
            self.handler.close()


def run_writers(n: int, dep: Deployment, ledger: Ledger, run_id: str, **kwargs: Any) -> tuple[list[Writer], threading.Event]:
    stop = threading.Event()
    writers = [Writer(i, dep, ledger, stop, run_id=run_id, **kwargs) for i in range(n)]
    for w in writers:
        w.start()
    return writers, stop


def stop_writers(writers: list[Writer], stop: threading.Event, timeout: float = 240.0) -> list[str]:
    stop.set()
    deadline = time.monotonic() + timeout
    for w in writers:
        w.join(timeout=max(0.1, deadline - time.monotonic()))
    problems = [f"{w.name} still running" for w in writers if w.is_alive()]
    problems += [f"{w.name}: {type(w.error).__name__}: {w.error}" for w in writers if w.error is not None]
    return problems


# --- checking the ledger against the event store ---------------------------------------------


SYSTEM_EVENTS = {"DeadlineMissed", "DeadlinesRecomputed"}


def verify_ledger(dep: Deployment, ledger: Ledger, run_id: str) -> dict[str, Any]:
    """Acknowledged commands missing from the store, duplicates, and unacknowledged commands' fate."""
    events = dep.events()
    by_key = {(e["id"], e["version"]): e for e in events}
    disputes = {e["id"] for e in events if e["type"] == "DisputeRegistered"}
    dispute_events: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e["id"] in disputes:
            dispute_events.setdefault(e["id"], []).append(e)
    registered: dict[str, list[str]] = {}
    for e in events:
        if e["type"] == "DisputeRegistered" and str(e["state"].get("external_ref", "")).startswith(run_id):
            registered.setdefault(e["state"]["external_ref"], []).append(e["id"])

    acked = ledger.acked
    missing: list[str] = []
    claimed: dict[tuple[str, int], str] = {}
    acked_commands: dict[str, set[str]] = {}  # case id -> command ids of acknowledged commands
    replayed: list[str] = []  # retried commands whose first attempt had landed: answered from the key
    for entry in acked:
        answer = entry.answer or {}
        key = (answer.get("id", ""), int(answer.get("version", 0)))
        event = by_key.get(key)
        if event is None or event["type"] != EVENT_OF[entry.op]:
            missing.append(f"{entry.op} key={entry.key} answer={answer} stored={event and event['type']}")
            continue
        if key in claimed:
            missing.append(f"{entry.op} key={entry.key} answer names the event of key={claimed[key]}")
            continue
        claimed[key] = entry.key
        acked_commands.setdefault(key[0], set()).add(str(event["state"].get("command_id")))
        failed_at = entry.last_failed_wall
        if failed_at is not None:
            recorded = datetime.fromisoformat(event["state"]["timestamp"]).timestamp()
            if recorded < failed_at:
                replayed.append(entry.key)

    duplicate_registrations = {ref: ids for ref, ids in registered.items() if len(ids) > 1}
    acked_refs = {e.external_ref for e in acked if e.op == "register"}
    orphan_cases = sorted(set(registered) - acked_refs)
    duplicate_events: list[str] = []
    for case_id in {ids[0] for ids in registered.values()} | set(acked_commands):
        stored_commands: dict[str, list[int]] = {}
        for e in dispute_events.get(case_id, []):
            if e["type"] in SYSTEM_EVENTS:
                continue
            stored_commands.setdefault(str(e["state"].get("command_id")), []).append(e["version"])
        extra = set(stored_commands) - acked_commands.get(case_id, set())
        for command_id in extra:
            duplicate_events.append(f"case {case_id}: command {command_id} versions {stored_commands[command_id]} "
                                    "was never acknowledged")
    retried = [e for e in ledger.entries if e.unacked_attempts > 0]
    return {
        "acknowledged": len(acked),
        "registrations acknowledged": sum(1 for e in acked if e.op == "register"),
        "events in store": len(events),
        "missing": missing,
        "duplicate registrations": duplicate_registrations,
        "orphan cases": orphan_cases,
        "duplicate events": duplicate_events,
        "retried": len(retried),
        "retried resolved": sum(1 for e in retried if e.answer is not None),
        "retried whose earlier attempt had landed": len(replayed),
        "unresolved": [e.key for e in ledger.entries if e.answer is None],
        "attempts": sum(len(e.attempts) for e in ledger.entries),
    }


def verify_read_models(dep: Deployment) -> dict[str, Any]:
    """Read models against the event store: every case once, its timeline versions 1..n with no gap or
    repeat, and n equal to the case's events in the store."""
    events = dep.events()
    versions: dict[str, list[int]] = {}
    cases = set()
    for e in events:
        if e["type"] == "DisputeRegistered":
            cases.add(e["id"])
    for e in events:
        if e["id"] in cases:
            versions.setdefault(e["id"], []).append(e["version"])
    with pg_connect() as conn:
        timeline = conn.execute(sql.SQL("SELECT case_id, array_agg(version ORDER BY version) FROM {} GROUP BY case_id")
                                .format(dep.qualified("rm_timeline"))).fetchall()
        rm_cases = conn.execute(sql.SQL("SELECT id, version FROM {}").format(dep.qualified("rm_cases"))).fetchall()
    problems = []
    seen = {}
    for case_id, vs in timeline:
        seen[case_id] = vs
        if vs != list(range(1, len(vs) + 1)):
            problems.append(f"timeline of {case_id}: versions {vs[:10]}… not 1..{len(vs)}")
    for case_id, vs in versions.items():
        if seen.get(case_id) != sorted(vs):
            problems.append(f"timeline of {case_id}: {len(seen.get(case_id, []))} rows, store has {len(vs)} events")
    rm = {str(i): int(v) for i, v in rm_cases}
    for case_id, vs in versions.items():
        if rm.get(case_id) != max(vs):
            problems.append(f"rm_cases {case_id}: version {rm.get(case_id)}, store {max(vs)}")
    extra = set(rm) - set(versions)
    problems += [f"rm_cases has {c} which the store does not" for c in sorted(extra)]
    return {"cases": len(versions), "timeline rows": sum(len(v) for v in seen.values()), "problems": problems}


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figure:
    scenario: str
    name: str
    value: Any
    expect: str = ""
    ok: bool | None = None  # None: informational


class Report:
    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.details: dict[str, list[str]] = {}
        self.timings: dict[str, float] = {}

    def add(self, scenario: str, name: str, value: Any, expect: str = "", ok: bool | None = None) -> Figure:
        figure = Figure(scenario, name, value, expect, ok)
        self.figures.append(figure)
        mark = {True: "ok", False: "FAIL", None: "  "}[ok]
        log(f"  [{mark:>4}] {scenario}: {name} = {value}" + (f" (expected {expect})" if expect else ""))
        return figure

    def check(self, scenario: str, name: str, value: Any, expected: Any) -> Figure:
        return self.add(scenario, name, value, f"{expected}", value == expected)

    def detail(self, scenario: str, lines: list[str], limit: int = 30) -> None:
        if lines:
            self.details.setdefault(scenario, []).extend(str(x) for x in lines[:limit])

    @property
    def failed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]

    def table(self) -> str:
        rows = ["| scenario | figure | value | expected | |", "|---|---|---|---|---|"]
        for f in self.figures:
            mark = {True: "ok", False: "**FAIL**", None: ""}[f.ok]
            value = str(f.value).replace("|", "\\|")
            rows.append(f"| {f.scenario} | {f.name} | {value} | {f.expect} | {mark} |")
        return "\n".join(rows)

    def markdown(self, title: str, preamble: str = "") -> str:
        parts = [f"# {title}", "", preamble, "", self.table(), ""]
        if self.timings:
            parts += ["## Runtimes", "", "| scenario | seconds |", "|---|---|"]
            parts += [f"| {k} | {v:.1f} |" for k, v in self.timings.items()]
            parts.append("")
        for scenario, lines in self.details.items():
            parts += [f"## Details: {scenario}", "", "```", *lines, "```", ""]
        return "\n".join(parts)


@contextlib.contextmanager
def deployment(workdir: Path, *, workers: int = 2, mode: str = "development", projections: bool = True,
               keep_schema: bool = False, extra_env: dict[str, str] | None = None) -> Iterator[Deployment]:
    """A fresh schema and a running deployment on it; everything stopped and dropped afterwards."""
    schema = create_schema("faults")
    dep = Deployment(workdir, schema, workers=workers, mode=mode, extra_env=extra_env)
    try:
        dep.init_db()
        dep.start(projections=projections)
        yield dep
    finally:
        dep.stop()
        if not keep_schema:
            drop_schema(schema)
