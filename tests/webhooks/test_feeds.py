"""GraphQL for integrators that pull: `changes` in log order within reach (paged through
thousands of events with no gap and no repeat), `deliveries` with the dead letters, and
`disputes(orderBy: LAST_ACT_DESC, filter: {changedSince})`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from application import commands as cmd
from domain.values import Actor, Role
from tests.application._support import CLERK_TAX, HANDLER_TAX, command, register, transfer
from tests.webhooks.receiver import drain

INTEGRATOR = Actor("hotline-12366", Role.INTEGRATOR, "tax")
CHANGES = """query($after: String, $first: Int) { changes(after: $after, first: $first) {
  edges { cursor node { caseNumber version type eventType status actedAt recordedAt position } }
  pageInfo { hasNextPage endCursor } } }"""


def _gql(client: Any, headers: dict[str, str], query: str, **variables: Any) -> dict[str, Any]:
    answer = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _all_changes(client: Any, headers: dict[str, str], first: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = _gql(client, headers, CHANGES, after=after, first=first)["data"]["changes"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def test_the_change_feed_pages_through_thousands_of_events_without_gap_or_repeat(client, auth, hooks):
    app = hooks.fengqiao
    numbers = []
    for i in range(400):
        made = register(app, INTEGRATOR if i % 4 == 0 else CLERK_TAX, external_ref=f"WO-{i}")
        numbers.append(made.case_number)
        transfer(app, made.case_number)
        app.sign_for(made.case_number, command(cmd.SignFor), HANDLER_TAX)
        app.record_progress(made.case_number, command(cmd.RecordProgress, note="called the payer"), HANDLER_TAX)
    hooks.reads.runner.catch_up()
    everything = _all_changes(client, auth("taskforce"), first=500)
    assert len(everything) == 1600
    positions = [int(c["position"]) for c in everything]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert _all_changes(client, auth("taskforce"), first=37) == everything  # any page size, the same feed
    first_case = [c for c in everything if c["caseNumber"] == numbers[1]]
    assert [(c["version"], c["type"], c["status"]) for c in first_case] == [
        (1, "DisputeRegistered", "ACCEPTED"),
        (2, "DisputeTransferred", "TRANSFERRED"),
        (3, "TransferSignedFor", "TRANSFERRED"),
        (4, "ProgressRecorded", "TRANSFERRED"),
    ]
    assert first_case[1]["eventType"] == "cn.gov.gaoping.fengqiao.dispute.transferred"
    # an integrator reads only the cases it registered
    own = _all_changes(client, auth("integrator", "tax", subject="hotline-12366"), first=200)
    assert {c["caseNumber"] for c in own} == set(numbers[::4]) and len(own) == 400


def test_a_cursor_that_is_not_one_is_bad_user_input(client, auth):
    body = _gql(client, auth("taskforce"), CHANGES, after="yesterday", first=10)
    assert body["errors"][0]["extensions"]["code"] in ("BAD_INPUT", "BAD_USER_INPUT")  # the 1.1 name, or 1.0's
    body = _gql(client, auth("taskforce"), CHANGES, first=100000)
    assert body["errors"][0]["extensions"]["code"] in ("BAD_INPUT", "BAD_USER_INPUT")  # the 1.1 name, or 1.0's


DELIVERIES = """query($status: DeliveryStatus, $sub: String) { deliveries(status: $status, subscriptionId: $sub, first: 10) {
  edges { node { subscriptionId eventId caseNumber eventType status attempts lastStatusCode lastError } }
  pageInfo { hasNextPage } } }"""


def test_deliveries_show_the_dead_letters_to_their_subscriber_only(client, auth, local, hooks, clock):
    who = auth("integrator", "tax", subject="hotline-12366")
    sub = client.post("/api/v1/subscriptions", json={"url": local.url}, headers=who).json()
    local.answer = lambda r: 500
    made = register(hooks.fengqiao, INTEGRATOR)
    for _ in range(5):
        drain(hooks.deliveries)
        clock.set(clock() + timedelta(minutes=5))
    dead = _gql(client, who, DELIVERIES, status="DEAD")["data"]["deliveries"]["edges"]
    assert [(d["node"]["caseNumber"], d["node"]["status"], d["node"]["attempts"], d["node"]["lastStatusCode"])
            for d in dead] == [(made.case_number, "DEAD", 4, 500)]
    assert dead[0]["node"]["subscriptionId"] == sub["id"]
    other = auth("integrator", "tax", subject="someone-else")
    assert _gql(client, other, DELIVERIES, status="DEAD")["data"]["deliveries"]["edges"] == []
    assert len(_gql(client, auth("taskforce"), DELIVERIES)["data"]["deliveries"]["edges"]) == 1
    assert _gql(client, auth("clerk", "tax"), DELIVERIES)["errors"][0]["extensions"]["code"] == "FORBIDDEN"


ORDERED = """query($since: DateTime) { disputes(orderBy: LAST_ACT_DESC, first: 10, filter: {changedSince: $since}) {
  edges { node { caseNumber } } totalCount } }"""


def test_disputes_by_latest_act_and_changed_since(client, auth, hooks, clock):
    app = hooks.fengqiao
    a = register(app, CLERK_TAX).case_number
    b = register(app, CLERK_TAX).case_number
    c = register(app, CLERK_TAX).case_number
    clock.set(clock() + timedelta(hours=1))
    since = clock()
    transfer(app, a)
    hooks.reads.runner.catch_up()
    everyone = _gql(client, auth("taskforce"), ORDERED)["data"]["disputes"]
    assert [e["node"]["caseNumber"] for e in everyone["edges"]] == [a, c, b]
    changed = _gql(client, auth("taskforce"), ORDERED, since=since.isoformat())["data"]["disputes"]
    assert [e["node"]["caseNumber"] for e in changed["edges"]] == [a] and changed["totalCount"] == 1


def test_the_console_lists_the_dead_letters_for_roles_that_read_everything(client, auth, local, hooks, clock):
    from interfaces.auth import issue_token

    who = auth("integrator", "tax", subject="hotline-12366")
    client.post("/api/v1/subscriptions", json={"url": local.url}, headers=who)
    local.answer = lambda r: 500
    made = register(hooks.fengqiao, INTEGRATOR)
    for _ in range(5):
        drain(hooks.deliveries)
        clock.set(clock() + timedelta(minutes=5))

    def page(role: str, path: str) -> Any:
        cookie = issue_token(hooks.settings.secret, subject=f"{role}-1", role=Role(role), unit="tax" if role == "clerk" else None)
        client.cookies.set("fengqiao_console", cookie, domain="testserver.local", path="/console")
        return client.get(path)

    dead = page("auditor", "/console/deliveries")
    assert dead.status_code == 200 and made.case_number in dead.text and "死信" in dead.text
    assert 'href="/console/deliveries"' in dead.text  # in the navigation of the roles that may read it
    assert made.case_number not in page("auditor", "/console/deliveries?status=DELIVERED&lang=en").text
    assert page("clerk", "/console/deliveries").status_code == 403
