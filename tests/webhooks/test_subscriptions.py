"""Subscriptions over REST: who may subscribe, the secret shown once and never stored in clear,
safe targets, rotate and delete."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidCommand
from domain.subscription import check_url, refused_address


def _subscribe(client: Any, auth: Any, url: str, role: str = "integrator", **body: Any) -> Any:
    who = auth(role, "tax", subject="hotline-12366") if role == "integrator" else auth(role)
    return client.post("/api/v1/subscriptions", json={"url": url, **body}, headers=who)


def test_an_integrator_subscribes_and_sees_the_secret_once(client, auth, local, hooks):
    made = _subscribe(client, auth, local.url, event_types=["transferred", "concluded"], description="12366 platform")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert (body["status"], body["event_types"], body["owner_role"]) == ("ACTIVE", ["transferred", "concluded"], "integrator")
    listed = client.get("/api/v1/subscriptions", headers=auth("integrator", "tax", subject="hotline-12366")).json()
    assert [s["id"] for s in listed] == [body["id"]] and listed[0]["secret"] is None
    one = client.get(f"/api/v1/subscriptions/{body['id']}", headers=auth("integrator", "tax", subject="hotline-12366"))
    assert one.status_code == 200 and one.json()["secret"] is None
    # another integrator does not see it; the task force sees every subscription
    other = client.get(f"/api/v1/subscriptions/{body['id']}", headers=auth("integrator", "tax", subject="other"))
    assert other.status_code == 404
    assert [s["id"] for s in client.get("/api/v1/subscriptions", headers=auth("taskforce")).json()] == [body["id"]]


def test_the_secret_is_never_stored_in_clear(client, auth, local, hooks):
    secret = _subscribe(client, auth, local.url).json()["secret"]
    stored = hooks.fengqiao.recorder.select_notifications(start=0, limit=100)
    assert stored and all(secret.encode() not in n.state for n in stored)
    hooks.deliveries.catch_up()
    with hooks.reads.store.transaction(readonly=True) as cur:
        cur.execute("SELECT secret_sealed FROM wh_subscriptions")
        rows = cur.fetchall()
    assert rows and all(secret not in str(r[0]) for r in rows)


@pytest.mark.parametrize("role", ["clerk", "handler", "auditor", "legal"])
def test_only_integrators_and_the_task_force_subscribe(client, auth, local, role):
    answer = client.post("/api/v1/subscriptions", json={"url": local.url}, headers=auth(role, "tax"))
    assert answer.status_code == 403, answer.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2:9/hooks",  # loopback (only 127.0.0.1 is allowed in these tests)
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://10.1.2.3/hooks",
        "http://192.168.1.1/hooks",
        "http://[::1]:8080/hooks",
        "ftp://example.org/hooks",
        "http://user:pw@example.org/hooks",
        "not a url",
    ],
)
def test_an_unsafe_target_is_a_400_naming_url_and_nothing_is_recorded(client, auth, hooks, url):
    head = hooks.fengqiao.recorder.max_notification_id()
    answer = _subscribe(client, auth, url)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == "url"
    assert hooks.fengqiao.recorder.max_notification_id() == head


def test_an_unknown_event_type_is_a_400_naming_event_types(client, auth, local):
    answer = _subscribe(client, auth, local.url, event_types=["exploded"])
    assert answer.status_code == 400 and answer.json()["field"] == "event_types"


def test_production_takes_https_only() -> None:
    with pytest.raises(InvalidCommand) as refused:
        check_url("http://hooks.example.org/x", production=True)
    assert refused.value.field == "url"
    assert check_url("https://hooks.example.org/x", production=True) == "https://hooks.example.org/x"
    assert check_url("http://hooks.example.org/x", production=False) == "http://hooks.example.org/x"


def test_addresses_a_webhook_may_not_reach() -> None:
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "::1", "fe80::1",
                    "::ffff:127.0.0.1", "100.100.100.200", "0.0.0.0", "fd00::1"):
        assert refused_address(address) is not None, address
    assert refused_address("93.184.216.34") is None


def test_rotating_gives_a_new_secret_and_deleting_stops_the_subscription(client, auth, local):
    who = auth("integrator", "tax", subject="hotline-12366")
    made = _subscribe(client, auth, local.url).json()
    rotated = client.post(f"/api/v1/subscriptions/{made['id']}/rotate-secret", headers=who)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != made["secret"]
    gone = client.delete(f"/api/v1/subscriptions/{made['id']}", headers=who)
    assert gone.status_code == 200 and gone.json()["status"] == "DELETED"
    assert client.get("/api/v1/subscriptions", headers=who).json() == []
    again = client.post(f"/api/v1/subscriptions/{made['id']}/rotate-secret", headers=who)
    assert again.status_code == 409
    assert client.delete("/api/v1/subscriptions/not-an-id", headers=who).status_code == 404



@pytest.mark.parametrize("types", [None, "all", [], ["*"], ["all"]])
def test_every_type_is_asked_for_by_omitting_the_field_or_saying_all(client, auth, local, types):
    body = {} if types is None else {"event_types": types}
    made = _subscribe(client, auth, local.url, **body)
    assert made.status_code == 201, made.text
    assert made.json()["event_types"] == []


def test_a_full_cloudevents_type_names_its_event(client, auth, local):
    made = _subscribe(client, auth, local.url, event_types=["cn.gov.gaoping.fengqiao.dispute.archived", "answered",
                                                            "DisputeTransferred"])
    assert made.json()["event_types"] == ["archived", "answered", "transferred"]
    assert _subscribe(client, auth, local.url, event_types="some").json()["field"] == "event_types"


def test_without_the_allow_list_a_name_for_this_machine_is_refused() -> None:
    from infrastructure.webhook_http import Guard

    with pytest.raises(InvalidCommand) as refused:
        Guard(()).check("http://localhost:9/hooks")
    assert refused.value.field == "url" and "loopback" in str(refused.value)
    Guard(("localhost",)).check("http://localhost:9/hooks")  # listed by name


def test_a_secret_sealed_before_a_data_key_rotation_still_opens() -> None:
    from application.webhooks import SecretBox

    old = SecretBox(b"the-first-data-key-of-32-bytes-or-more")
    sealed = old.seal("whsec_abc")
    assert "whsec_abc" not in sealed
    rotated = SecretBox(b"the-second-data-key-of-32-bytes-or-more", (b"the-first-data-key-of-32-bytes-or-more",))
    assert rotated.open(sealed) == "whsec_abc"
    assert rotated.open(rotated.seal("whsec_def")) == "whsec_def"
    with pytest.raises(ValueError, match="FENGQIAO_DATA_KEY"):
        SecretBox(b"the-second-data-key-of-32-bytes-or-more").open(sealed)
