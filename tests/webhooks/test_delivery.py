"""Delivery to a real local receiver: CloudEvents signed per Standard Webhooks (verified with the
`standardwebhooks` package), only what the subscriber may read, masked; order per case, retries,
410, dead letters and replay."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks import Webhook

from tests.application._support import ID_NUMBER, PHONE, register_body
from tests.webhooks.receiver import drain

INTEGRATOR = {"role": "integrator", "unit": "tax", "subject": "hotline-12366"}


def _drain(hooks: Any) -> None:
    drain(hooks.deliveries)


def _subscribe(client: Any, auth: Any, url: str, **body: Any) -> dict[str, Any]:
    made = client.post("/api/v1/subscriptions", json={"url": url, **body}, headers=auth(**INTEGRATOR))
    assert made.status_code == 201, made.text
    return dict(made.json())


def _register(client: Any, auth: Any, who: dict[str, Any] | None = None, **fields: Any) -> str:
    body = register_body(received_at=datetime(2026, 11, 26, 1, 0, tzinfo=UTC).isoformat(), **fields)
    answer = client.post("/api/v1/disputes", json=body, headers=auth(**(who or INTEGRATOR)))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_number"])


def _transfer(client: Any, auth: Any, case: str) -> None:
    answer = client.post(f"/api/v1/disputes/{case}/transfer", json={"to_unit": "tax"}, headers=auth("clerk", "tax"))
    assert answer.status_code == 200, answer.text


def test_each_event_arrives_as_a_signed_cloudevent_the_package_verifies(client, auth, local, hooks):
    sub = _subscribe(client, auth, local.url)
    case = _register(client, auth)
    _transfer(client, auth, case)
    _drain(hooks)
    got = local.wait_for(2)
    verifier = Webhook(sub["secret"])
    for item in got:
        verified = verifier.verify(item.body, item.headers)
        assert verified == item.message
        assert "authorization" not in item.headers  # no token of ours goes out
    first, second = (item.message for item in got)
    assert (first["specversion"], first["subject"], first["type"]) == (
        "1.0", case, "cn.gov.gaoping.fengqiao.dispute.registered",
    )
    assert second["type"] == "cn.gov.gaoping.fengqiao.dispute.transferred"
    assert got[0].headers["webhook-id"] == first["id"] and first["id"] != second["id"]
    assert second["data"]["status"] == "TRANSFERRED" and second["data"]["version"] == 2
    raw = b"".join(item.body for item in got)
    assert ID_NUMBER.encode() not in raw and PHONE.encode() not in raw  # masked, as the integrator reads it
    assert first["data"]["event"]["payer"]["id_number"].count("*") >= 8


def test_the_other_party_comes_masked_as_the_read_side_shows_it_to_the_subscriber(client, auth, local, hooks):
    sub = _subscribe(client, auth, local.url)
    _register(client, auth, other_party={"name": "李四", "kind": "employee", "contact": "13987654321"})
    _drain(hooks)
    got = local.wait_for(1)
    other = Webhook(sub["secret"]).verify(got[0].body, got[0].headers)["data"]["event"]["other_party"]
    assert other == {"name": "李*", "kind": "employee", "contact": "139****4321"}
    assert "李四".encode() not in got[0].body and b"13987654321" not in got[0].body


def test_a_subscriber_hears_only_of_cases_it_may_read_and_types_it_named(client, auth, local, hooks):
    _subscribe(client, auth, local.url, event_types=["transferred"])
    own = _register(client, auth)
    someone_elses = _register(client, auth, {"role": "clerk", "unit": "tax"})
    _transfer(client, auth, own)
    _transfer(client, auth, someone_elses)
    _drain(hooks)
    got = local.wait_for(1)
    assert [(m.message["subject"], m.message["type"]) for m in local.received] == [
        (own, "cn.gov.gaoping.fengqiao.dispute.transferred")
    ]
    assert len(got) == 1


def test_a_failed_delivery_is_retried_with_the_same_webhook_id_and_holds_back_only_its_case(
    client, auth, local, hooks, clock
):
    _subscribe(client, auth, local.url)
    failing = _register(client, auth)
    fine = _register(client, auth)
    local.answer = lambda r: 500 if r.message["subject"] == failing else 200
    _transfer(client, auth, failing)
    _transfer(client, auth, fine)
    _drain(hooks)
    subjects = [(r.message["subject"], r.message["type"].rsplit(".", 1)[1]) for r in local.received]
    # the failing case's first event was tried once; its second waits behind it; the other case went on
    assert subjects.count((failing, "registered")) == 1 and (failing, "transferred") not in subjects
    assert (fine, "registered") in subjects and (fine, "transferred") in subjects
    first_id = next(r.headers["webhook-id"] for r in local.received if r.message["subject"] == failing)
    local.answer = lambda r: 200
    _drain(hooks)
    assert sum(1 for r in local.received if r.message["subject"] == failing) == 1  # not due yet (about 5 s)
    clock.set(clock() + timedelta(seconds=10))
    _drain(hooks)
    mine = [r for r in local.received if r.message["subject"] == failing]
    assert [r.message["type"].rsplit(".", 1)[1] for r in mine] == ["registered", "registered", "transferred"]
    assert mine[0].headers["webhook-id"] == mine[1].headers["webhook-id"] == first_id
    assert mine[0].body == mine[1].body


def test_exhausted_retries_go_to_the_dead_letters_and_replay_resends_them(client, auth, local, hooks, clock):
    _subscribe(client, auth, local.url)
    local.answer = lambda r: 503
    _register(client, auth)
    _drain(hooks)
    for _ in range(3):  # the tests' schedule: 5 s, 30 s, 2 min
        clock.set(clock() + timedelta(minutes=3))
        _drain(hooks)
    assert len(local.received) == 4
    status = hooks.deliveries.status()
    assert (status["dead"], status["pending"]) == (1, 0)
    clock.set(clock() + timedelta(hours=1))
    _drain(hooks)
    assert len(local.received) == 4  # a dead letter is not retried by itself
    local.answer = lambda r: 200
    assert hooks.deliveries.replay() == 1
    _drain(hooks)
    assert len(local.received) == 5 and hooks.deliveries.status(delivered=True)["delivered"] == 1


def test_a_410_disables_the_subscription_and_it_says_so(client, auth, local, hooks):
    sub = _subscribe(client, auth, local.url)
    local.answer = lambda r: 410
    _register(client, auth)
    _drain(hooks)
    one = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=auth(**INTEGRATOR)).json()
    assert one["status"] == "DISABLED" and "410" in one["disabled_reason"]
    _register(client, auth)
    _drain(hooks)
    assert len(local.received) == 1


def test_a_subscription_failing_for_three_days_is_disabled(client, auth, local, hooks, clock):
    sub = _subscribe(client, auth, local.url)
    local.answer = lambda r: 500
    _register(client, auth)
    _drain(hooks)
    for _ in range(2):
        clock.set(clock() + timedelta(days=1, hours=13))
        _register(client, auth)
        _drain(hooks)
    one = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=auth(**INTEGRATOR)).json()
    assert one["status"] == "DISABLED" and "3 days" in one["disabled_reason"]


def test_the_background_worker_delivers_and_ready_shows_its_figures(client, auth, local, hooks):
    sub = _subscribe(client, auth, local.url)
    hooks.start_background(projections=True, scheduler=False)
    case = _register(client, auth)
    got = local.wait_for(1)
    assert Webhook(sub["secret"]).verify(got[0].body, got[0].headers)["subject"] == case
    ready = client.get("/ready").json()
    assert ready["deliveries"]["lag"] >= 0 and "dead" in ready["deliveries"]
    metrics = client.get("/metrics").text
    assert "fengqiao_webhook_lag" in metrics and 'fengqiao_webhook_deliveries{status="dead"} 0.0' in metrics
    assert "fengqiao_webhook_sent 1.0" in metrics


def test_delivered_messages_are_forgotten_after_a_week_and_dead_letters_kept(client, auth, local, hooks, clock):
    _subscribe(client, auth, local.url)
    _register(client, auth)
    _drain(hooks)
    local.answer = lambda r: 500
    _register(client, auth)
    for _ in range(4):
        _drain(hooks)
        clock.set(clock() + timedelta(minutes=5))
    assert (hooks.deliveries.status(delivered=True)["delivered"], hooks.deliveries.status()["dead"]) == (1, 1)
    clock.set(clock() + timedelta(days=8))
    fresh = type(hooks.deliveries)(
        hooks.fengqiao, hooks.reads.store, hooks.subscriptions, hooks.deliveries.guard, clock
    )  # a worker that has not purged yet
    try:
        fresh.run_once()
        assert (fresh.status(delivered=True)["delivered"], fresh.status()["dead"]) == (0, 1)
    finally:
        fresh.stop()


def test_a_subscription_made_after_the_cases_hears_of_their_later_changes_with_their_state(client, auth, local, hooks):
    case = _register(client, auth)
    _transfer(client, auth, case)
    _drain(hooks)  # nobody subscribes yet: the worker only moves past these
    sub = _subscribe(client, auth, local.url)
    answer = client.post(f"/api/v1/disputes/{case}/sign-for", headers=auth("handler", "tax"))
    assert answer.status_code == 200, answer.text
    _drain(hooks)
    got = local.wait_for(1)
    message = Webhook(sub["secret"]).verify(got[0].body, got[0].headers)
    assert (message["subject"], message["type"]) == (case, "cn.gov.gaoping.fengqiao.dispute.signed_for")
    assert (message["data"]["version"], message["data"]["status"], message["data"]["handling_unit"]) == (3, "TRANSFERRED", "tax")
    assert len(local.received) == 1


def test_a_name_is_reached_through_its_allowed_address_only(client, auth, local, hooks):
    port = local.url.split(":")[2].split("/")[0]
    sub = _subscribe(client, auth, f"http://localhost:{port}/hooks")  # 127.0.0.1 is allowed, ::1 is not
    _register(client, auth)
    _drain(hooks)
    got = local.wait_for(1)
    assert Webhook(sub["secret"]).verify(got[0].body, got[0].headers)["type"].endswith(".registered")


def test_a_slow_receiver_does_not_hold_back_another(client, auth, local, hooks):
    from tests.webhooks.receiver import receiver

    with receiver() as slow:
        slow.delay = 1.5  # within the tests' 2 s timeout, so it is delivered, slowly
        client.post("/api/v1/subscriptions", json={"url": slow.url}, headers=auth("taskforce"))
        _subscribe(client, auth, local.url)
        hooks.start_background(projections=False, scheduler=False, deliveries=True)
        started = time.monotonic()
        case = _register(client, auth)  # one case, three events: each waits for the one before
        _transfer(client, auth, case)
        assert client.post(f"/api/v1/disputes/{case}/sign-for", headers=auth("handler", "tax")).status_code == 200
        local.wait_for(3, timeout=5)
        fast = time.monotonic() - started
        slow.wait_for(3, timeout=15)
        assert fast < 1.5, f"the fast receiver waited {fast:.2f} s behind the slow one"


def test_one_receiver_is_sent_at_most_four_messages_at_once(client, auth, local, hooks):
    _subscribe(client, auth, local.url)
    for _ in range(10):
        _register(client, auth)  # ten cases: nothing of per-case order holds any of them back
    local.delay = 0.3
    hooks.start_background(projections=False, scheduler=False, deliveries=True)
    local.wait_for(10, timeout=15)
    assert 2 <= local.most_at_once <= 4, local.most_at_once


def _http11_receiver(close_after_each: bool) -> Any:
    """A stdlib receiver speaking HTTP/1.1 (keep-alive), counting the connections it accepts;
    with `close_after_each` it drops each connection after answering, without saying so."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        accepted = 0

        def setup(self) -> None:
            type(self).accepted += 1
            super().setup()

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.end_headers()
            self.close_connection = close_after_each

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, Handler


def test_messages_to_one_receiver_share_a_kept_alive_connection() -> None:
    from infrastructure.webhook_http import Guard, post

    server, handler = _http11_receiver(close_after_each=False)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        results = [post(Guard(("127.0.0.1",)), url, b"{}", {}, timeout=2.0) for _ in range(5)]
    finally:
        server.shutdown()
        server.server_close()
    assert all(r.delivered for r in results)
    assert handler.accepted == 1


def test_a_connection_the_receiver_dropped_while_idle_is_replaced_and_the_message_delivered() -> None:
    from infrastructure.webhook_http import Guard, post

    server, handler = _http11_receiver(close_after_each=True)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        results = []
        for _ in range(3):
            results.append(post(Guard(("127.0.0.1",)), url, b"{}", {}, timeout=2.0))
            time.sleep(0.1)  # the receiver has closed its end by now
    finally:
        server.shutdown()
        server.server_close()
    assert [r.delivered for r in results] == [True, True, True]
    assert handler.accepted >= 3


def test_a_receiver_answering_a_byte_at_a_time_is_cut_off_at_the_timeout() -> None:
    import socket
    import threading

    from infrastructure.webhook_http import Guard, post

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def dribble() -> None:
        conn, _ = server.accept()
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
            if stop.is_set():
                break
            conn.send(bytes([byte]))
            time.sleep(0.2)  # each read within the socket timeout, the whole far beyond it
        conn.close()

    threading.Thread(target=dribble, daemon=True).start()
    started = time.monotonic()
    try:
        result = post(Guard(("127.0.0.1",)), f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {}, timeout=1.0)
    finally:
        stop.set()
        server.close()
    assert not result.delivered and time.monotonic() - started < 2.0


def test_shredding_is_told_and_what_was_delivered_of_the_case_is_forgotten(client, auth, local, hooks, clock):
    from uuid import UUID

    from domain import events as ev
    from domain.values import Actor, Role

    sub = _subscribe(client, auth, local.url)
    case = _register(client, auth)
    _drain(hooks)
    assert hooks.deliveries.status(delivered=True)["delivered"] == 1
    view = hooks.fengqiao.get_dispute(case, Actor("legal-1", Role.LEGAL))
    shredded = ev.PersonalDataShredded(  # as the retention's shredding records it, after the archive
        originator_id=UUID(str(view.id)), originator_version=2, timestamp=clock(), at=clock(),
        actor=Actor("fengqiao", Role.SYSTEM), archived_before=clock().date(), archived_at=clock(),
    )
    hooks.fengqiao.commands.record(shredded)
    _drain(hooks)
    got = local.wait_for(2)
    told = Webhook(sub["secret"]).verify(got[1].body, got[1].headers)
    assert (told["subject"], told["type"]) == (case, "cn.gov.gaoping.fengqiao.dispute.personal_data_shredded")
    with hooks.reads.store.transaction(readonly=True) as cur:
        cur.execute("SELECT position FROM wh_deliveries WHERE case_id = ?", (str(view.id),))
        assert len(cur.fetchall()) == 1  # the registration's message is gone, the shredding's stays a week
