"""A real local HTTP receiver for webhook tests: records every request it is sent and answers
what the test tells it to (a status per call, a delay, or a closed connection)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def message(self) -> dict[str, object]:
        decoded: dict[str, object] = msgspec.json.decode(self.body)
        return decoded


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    answer: Callable[[Received], int] = lambda _: 200
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    busy: int = 0  # requests being answered now
    most_at_once: int = 0  # the most requests it was answering at the same time

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.02)
        with self.lock:
            raise AssertionError(f"received {len(self.received)} of {count} webhooks in {timeout}s")

    def delivered(self) -> list[Received]:
        """What was received and answered 2xx."""
        with self.lock:
            return [r for r in self.received if 200 <= self.answer_of.get(id(r), 0) < 300]

    answer_of: dict[int, int] = field(default_factory=dict)


@contextmanager
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            rec = holder[0]
            length = int(self.headers.get("Content-Length", "0"))
            item = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            with rec.lock:
                rec.busy += 1
                rec.most_at_once = max(rec.most_at_once, rec.busy)
            if rec.delay:
                time.sleep(rec.delay)
            status = rec.answer(item)
            with rec.lock:
                rec.busy -= 1
                rec.received.append(item)
                rec.answer_of[id(item)] = status
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


def drain(worker: Any) -> None:
    """Rounds of the delivery worker until nothing more is due now and no answer is on its way
    (a case's next event goes out after its previous one is answered: n events, n rounds)."""
    for _ in range(2000):
        busy = worker.run_once()
        if not busy and not worker.in_flight:
            return
        if not busy:
            time.sleep(0.005)
    raise AssertionError("the worker kept finding work")
