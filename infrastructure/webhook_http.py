"""Outbound webhook requests, aimed by callers and so guarded: the host is resolved and every
address it gives is checked (loopback, private, link-local, metadata… are refused unless the host
is listed in FENGQIAO_WEBHOOK_ALLOW_HOSTS); the connection goes to the address that was checked,
so a second DNS answer cannot swap it; redirects are not followed; nothing of ours but the
signature headers is sent.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from application.errors import InvalidCommand
from application.webhooks import TIMEOUT, Outcome, outcome
from domain.subscription import refused_address

USER_AGENT = "Fengqiao-Webhooks/1.0"
RESOLVED_FOR = 60.0  # seconds a checked resolution of a host is used before it is resolved (and checked) again


class TargetRefused(Exception):
    """The URL's host may not be reached from here."""


class Guard:
    def __init__(self, allow_hosts: Iterable[str]) -> None:
        self.allow_hosts = frozenset(h.strip().lower() for h in allow_hosts if h.strip())
        self._resolved: dict[tuple[str, int], tuple[float, list[str]]] = {}

    def usable(self, host: str, port: int) -> list[str]:
        """`addresses`, remembered for a while: a resolver round trip per message is most of a
        local delivery's cost. Only checked addresses are remembered (a refusal is not), so
        what is connected to is still always an address that passed the check."""
        key = (host, port)
        now = time.monotonic()
        hit = self._resolved.get(key)
        if hit is not None and now - hit[0] < RESOLVED_FOR:
            return hit[1]
        found = self.addresses(host, port)
        self._resolved[key] = (now, found)
        return found

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to; raises TargetRefused naming the reason."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError) as e:  # unknown host, no DNS, a name no resolver takes
            raise TargetRefused(f"host {host!r} does not resolve ({e})") from None
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if host.lower().strip("[]") in self.allow_hosts:
            return found
        # Only the addresses that may be reached are ever connected to, so a name that also
        # resolves to a private address is safe to use through its public (or listed) ones.
        usable = [a for a in found if a in self.allow_hosts or refused_address(a) is None]
        if not usable:
            address = found[0]
            raise TargetRefused(
                f"host {host!r} resolves to {address}, which is {refused_address(address)}; "
                "a webhook may not reach it (FENGQIAO_WEBHOOK_ALLOW_HOSTS lists exceptions)"
            )
        return usable

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        try:
            self.addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        except TargetRefused as e:
            raise InvalidCommand("url", str(e)) from None


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, verifying the certificate for the URL's host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = _connect(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = _connect(self._address, self.port, self.timeout)


def _connect(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to a checked address, taken as it is: no resolver call (the address is
    numeric), and no Nagle delay between the headers and the body, which http.client sends apart."""
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def post(guard: Guard, url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> Outcome:
    """One POST; never raises for what the network or the receiver does."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = guard.usable(host, port)[0]
    except TargetRefused as e:
        return outcome(None, str(e))
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = {**headers, "Content-Type": "application/cloudevents+json; charset=utf-8", "User-Agent": USER_AGENT}
    key = (parts.scheme, host, port, timeout)
    conn, reused = _take(key, address)
    if conn is None:
        conn = kind(address, host, port, timeout)
    result, kept = _exchange(conn, path, body, sent, timeout)
    if reused and not kept and isinstance(result, _Stale):
        # The receiver closed the idle connection before this message reached it: send it on
        # a new one (a receiver that did get it deduplicates on `webhook-id`).
        conn = kind(address, host, port, timeout)
        result, kept = _exchange(conn, path, body, sent, timeout)
    if kept:
        _keep(key, address, conn)
    return result if isinstance(result, Outcome) else result.outcome


class _Stale:
    def __init__(self, found: Outcome) -> None:
        self.outcome = found


def _exchange(
    conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[Outcome | _Stale, bool]:
    """The POST on `conn`, and whether `conn` may carry the next one (kept alive)."""
    # The socket's timeout bounds each read; this bounds the whole exchange, so a receiver that
    # answers a byte at a time cannot hold a sender longer than `timeout` either.
    token = _watchdog.arm(timeout, conn)
    kept = False
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)  # the answer's body is not ours to keep; a little is read to end the exchange
        kept = response.isclosed() and not response.will_close
        return outcome(response.status), kept
    except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
        return _Stale(outcome(None, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)), False
    except (OSError, http.client.HTTPException) as e:
        return outcome(None, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__), False
    finally:
        _watchdog.disarm(token)
        if not kept:
            conn.close()


# Each sender thread keeps its last connection to each receiver open for the next message
# (HTTP keep-alive; a TLS handshake per message costs more than the message), only while it goes
# to the address checked now and has been idle less than KEEP_IDLE.
KEEP_IDLE = 30.0
_held = threading.local()


def _pool() -> dict[tuple[str, str, int, float], tuple[http.client.HTTPConnection, str, float]]:
    pool: dict[tuple[str, str, int, float], tuple[http.client.HTTPConnection, str, float]] | None
    pool = getattr(_held, "conns", None)
    if pool is None:
        pool = _held.conns = {}
    return pool


def _take(key: tuple[str, str, int, float], address: str) -> tuple[http.client.HTTPConnection | None, bool]:
    held = _pool().pop(key, None)
    if held is None:
        return None, False
    conn, checked, since = held
    if checked == address and time.monotonic() - since < KEEP_IDLE:
        return conn, True
    conn.close()
    return None, False


def _keep(key: tuple[str, str, int, float], address: str, conn: http.client.HTTPConnection) -> None:
    _pool()[key] = (conn, address, time.monotonic())


def _abort(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the read blocked on it


class _Watchdog:
    """One thread aborting the exchanges that outlive their deadline: a timer thread per
    message cost more than the message itself."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._heap: list[tuple[float, int, http.client.HTTPConnection]] = []
        self._live: set[int] = set()
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, timeout: float, conn: http.client.HTTPConnection) -> int:
        token = next(self._tokens)
        with self._cv:
            heapq.heappush(self._heap, (time.monotonic() + timeout, token, conn))
            self._live.add(token)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhook-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][1] == token:
                self._cv.notify()
        return token

    def disarm(self, token: int) -> None:
        with self._cv:
            self._live.discard(token)
            # Answered exchanges at the head are dropped now, so the heap holds only what may
            # still be aborted plus the answered ones behind it.
            while self._heap and self._heap[0][1] not in self._live:
                heapq.heappop(self._heap)

    def _run(self) -> None:
        with self._cv:
            while True:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cv.wait()
                    continue
                deadline, token, conn = self._heap[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._cv.wait(left)
                    continue
                heapq.heappop(self._heap)
                self._live.discard(token)
                _abort(conn)


_watchdog = _Watchdog()
