"""Outbound webhook requests, aimed by callers and so guarded: the host is resolved and every
address it gives is checked (loopback, private, link-local, metadata… are refused unless the host
is listed in FENGQIAO_WEBHOOK_ALLOW_HOSTS); the connection goes to the address that was checked,
so a second DNS answer cannot swap it; redirects are not followed; nothing of ours but the
signature headers is sent.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

from application.errors import InvalidCommand
from application.webhooks import TIMEOUT, Outcome, outcome
from domain.subscription import refused_address

USER_AGENT = "Fengqiao-Webhooks/1.0"


class TargetRefused(Exception):
    """The URL's host may not be reached from here."""


class Guard:
    def __init__(self, allow_hosts: Iterable[str]) -> None:
        self.allow_hosts = frozenset(h.strip().lower() for h in allow_hosts if h.strip())

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
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(guard: Guard, url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT) -> Outcome:
    """One POST; never raises for what the network or the receiver does."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = guard.addresses(host, port)[0]
    except TargetRefused as e:
        return outcome(None, str(e))
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    conn = kind(address, host, port, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # The socket's timeout bounds each read; this bounds the whole exchange, so a receiver that
    # answers a byte at a time cannot hold a sender longer than `timeout` either.
    watchdog = threading.Timer(timeout, _abort, (conn,))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/cloudevents+json; charset=utf-8",
                "User-Agent": USER_AGENT,
            },
        )
        response = conn.getresponse()
        response.read(64 * 1024)  # the answer's body is not ours to keep; a little is read to end the exchange
        return outcome(response.status)
    except (OSError, http.client.HTTPException) as e:
        return outcome(None, f"{type(e).__name__}: {e}" if str(e) else type(e).__name__)
    finally:
        watchdog.cancel()
        conn.close()


def _abort(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the read blocked on it
