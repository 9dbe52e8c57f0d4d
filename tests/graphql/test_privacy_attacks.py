"""Personal data under attack, through the public API: the search oracle, the other party's name,
read-your-writes floods, dates no calendar holds, an integrator's unit, field suggestions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from application.errors import InvalidCommand, RateLimited
from application.read_limits import ConsistencyWaits, SearchBudget
from domain.values import Actor, Role
from interfaces.graphql.schema import build_schema
from tests.graphql.support import ID_NUMBER, NAME, NAME_MASKED, Api

COUNT = "query($f: DisputeFilter) { disputes(filter: $f, first: 0) { totalCount } }"
WRONG_ID = "110105194912310011"  # a valid ID number (check digit), not the payer's


def _returned_to_tax(api: Api) -> str:
    """A case that hrss reaches (it handled it once) but sees only masked (it returned it)."""
    case = api.register()["case_number"]
    api.transfer(case, "hrss")
    api.act(case, "return", api.handler("hrss"), {"reason": "不属于本单位职责"})
    api.sync()
    return case


def _count(api: Api, token: str, **criteria: str) -> Any:
    return api.gql(COUNT, {"f": criteria}, token=token)


def test_a_masked_case_never_answers_an_exact_match_search(api: Api):
    case = _returned_to_tax(api)
    hrss = api.handler("hrss")
    assert api.dispute(case, hrss, "payer { idNumber unmasked }")["payer"]["unmasked"] is False  # in reach, masked

    for criteria in ({"payerIdNumber": ID_NUMBER}, {"payerIdNumber": WRONG_ID}, {"payerName": NAME},
                     {"payerName": "李四"}):
        assert api.data(COUNT, {"f": criteria}, token=hrss)["disputes"]["totalCount"] == 0, criteria
    # The accepting unit, which sees the payer whole, finds it; legal staff too.
    assert api.data(COUNT, {"f": {"payerIdNumber": ID_NUMBER}}, token=api.clerk("tax"))["disputes"]["totalCount"] == 1
    assert api.data(COUNT, {"f": {"payerName": NAME}}, token=api.legal())["disputes"]["totalCount"] == 1
    # Roles that never see personal data whole may not search by it at all, whatever the value.
    for token in (api.auditor(), api.taskforce(), api.integrator()):
        for value in (ID_NUMBER, WRONG_ID):
            answer = _count(api, token, payerIdNumber=value)
            assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_each_search_is_logged_with_its_digest_never_its_value(api: Api):
    api.register()
    api.sync()
    api.data(COUNT, {"f": {"payerIdNumber": ID_NUMBER.lower()}}, token=api.clerk("tax"))
    api.data(COUNT, {"f": {"payerName": NAME}}, token=api.clerk("tax"))

    searches = [e for e in api.access_log() if e["fields"][0].startswith("search.")]
    assert [(e["subject"], e["role"], e["unit"], e["fields"]) for e in searches] == [
        ("clerk-tax", "clerk", "tax", ["search.payerIdNumber"]),
        ("clerk-tax", "clerk", "tax", ["search.payerName"]),
    ]
    privacy = api.runtime.fengqiao.privacy
    assert searches[0]["reason"].endswith(privacy.digest(ID_NUMBER))
    assert searches[1]["reason"].endswith(privacy.digest(NAME))
    for entry in searches:
        assert ID_NUMBER not in str(entry) and ID_NUMBER.lower() not in str(entry) and NAME not in str(entry)


def test_searches_by_personal_data_are_bounded_per_caller(api: Api):
    api.register()
    api.sync()
    clerk = api.clerk("tax")
    for _ in range(30):
        api.data(COUNT, {"f": {"payerIdNumber": WRONG_ID}}, token=clerk)

    r = api.client.post("/graphql", json={"query": COUNT, "variables": {"f": {"payerName": NAME}}},
                        headers=api.headers(clerk))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    # Other callers and searches without personal data go on.
    assert api.data(COUNT, {"f": {"payerName": NAME}}, token=api.legal())["disputes"]["totalCount"] == 1
    assert api.data(COUNT, {"f": {}}, token=clerk)["disputes"]["totalCount"] == 1


def test_the_search_budget_refills_after_a_minute():
    now = [100.0]
    budget = SearchBudget(per_minute=2, clock=lambda: now[0])
    caller = Actor("clerk-tax", Role.CLERK, "tax")
    budget.spend(caller)
    budget.spend(caller)
    with pytest.raises(RateLimited) as refused:
        budget.spend(caller)
    assert refused.value.retry_after == 60
    now[0] += 60.5
    budget.spend(caller)


def test_a_private_other_party_is_masked_like_the_payer(api: Api):
    person = api.register(other_party={"name": "李四", "kind": "employee", "contact": "13900001111"})["case_number"]
    company = api.register(other_party={"name": "高平市某煤业有限公司", "kind": "employer"})["case_number"]
    api.sync()
    fields = "otherParty { name contact } payer { name }"

    seen = api.dispute(person, api.auditor(), fields)
    assert seen["otherParty"] == {"name": "李*", "contact": "139****1111"} and seen["payer"]["name"] == NAME_MASKED
    assert api.dispute(person, api.legal(), fields)["otherParty"] == {"name": "李四", "contact": "13900001111"}
    assert api.dispute(company, api.auditor(), fields)["otherParty"]["name"] == "高平市某煤业有限公司"
    timeline = api.data('query($n: String!) { timeline(caseNumber: $n) { events { data } } }', {"n": person},
                        token=api.auditor())["timeline"]
    assert "李四" not in str(timeline) and "张三" not in str(timeline)
    logged = [e["fields"] for e in api.access_log(person) if e["role"] == "legal"]
    assert ["otherParty.contact", "otherParty.name"] in [sorted(f) for f in logged]


def test_a_position_beyond_the_stores_head_is_refused_at_once(api: Api):
    api.register()
    r = api.client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                        headers=api.headers(api.integrator(), position=999_999_999_999))
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "X-Consistency-Position" in error["message"]


def test_waits_hold_no_thread_and_are_few_per_caller():
    looks = 0

    async def position() -> int:
        nonlocal looks
        looks += 1
        return 5

    async def head() -> int:
        return 10

    async def flood() -> list[Any]:
        waits = ConsistencyWaits(head=head, position=position, hurry=lambda: None, per_caller=4)
        one = Actor("int-1", Role.INTEGRATOR, "tax")
        many = [Actor(f"other-{i}", Role.INTEGRATOR, "tax") for i in range(200)]
        same = [waits.wait(one, 9, 0.2) for _ in range(200)]
        different = [waits.wait(a, 9, 0.2) for a in many]
        answers = await asyncio.gather(*same, *different, return_exceptions=True)
        with pytest.raises(InvalidCommand):
            await waits.wait(one, 11, 0.2)
        return answers

    answers = asyncio.run(flood())
    same, different = answers[:200], answers[200:]
    assert sum(isinstance(a, RateLimited) for a in same) == 196 and same.count(False) == 4
    assert different == [False] * 200
    assert looks <= 15  # one shared look every 20 ms, not one per wait


def test_dates_outside_2000_to_2100_are_bad_input_naming_the_argument(api: Api):
    r = api.client.post("/api/v1/disputes", json={**_body(), "received_at": "0999-01-01T00:00:00+00:00"},
                        headers=api.headers(api.clerk("tax")))
    assert r.status_code == 400 and r.json()["field"] == "received_at"
    r = api.client.post("/api/v1/disputes", json={**_body(), "received_at": "1999-12-31T00:00:00+00:00"},
                        headers=api.headers(api.clerk("tax")))
    assert r.status_code == 400 and r.json()["field"] == "received_at"
    r = api.client.post("/api/v1/disputes", json={**_body(), "received_at": "0001-01-01T00:00:00+14:00"},
                        headers=api.headers(api.clerk("tax")))
    assert r.status_code == 400 and r.json()["field"] == "received_at"
    case = api.register()["case_number"]
    for at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"):
        r = api.client.post(f"/api/v1/disputes/{case}/transfer", json={"to_unit": "hrss", "at": at},
                            headers=api.headers(api.clerk("tax")))
        assert r.status_code == 400 and r.json()["field"] == "at", r.text
    for query, field in (
        ('{ supervision(from: "0001-01-01", to: "2026-01-01") { received } }', "from"),
        ('{ supervision(from: "2026-01-01", to: "9999-12-31") { received } }', "to"),
        ('{ disputes(filter: {receivedFrom: "0001-01-01T00:00:00+14:00"}) { totalCount } }', "receivedFrom"),
        ('{ timeline(caseNumber: "GP-2026-000001", asOf: "9999-12-31T23:59:59-12:00") { caseNumber } }', "asOf"),
        ('{ accessLog(from: "0001-01-01T00:00:00+00:00") { id } }', "from"),
    ):
        api.register()
        api.sync()
        answer = api.gql(query, token=api.legal())
        error = answer["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (query, answer)
        assert error["message"].startswith(f"{field}:") and error["extensions"]["field"] == field, (query, answer)


def _body() -> dict[str, Any]:
    from tests.graphql.support import body

    return body()


def test_an_integrators_reach_is_its_subject_within_its_unit(api: Api):
    case = api.register(api.integrator("platform-x", "tax"))["case_number"]
    api.sync()
    assert api.dispute(case, api.integrator("platform-x", "tax"), "caseNumber") == {"caseNumber": case}
    assert api.dispute(case, api.integrator("platform-x", "hrss"), "caseNumber") is None
    assert api.data("{ disputes { totalCount } }", token=api.integrator("platform-x", "hrss"))["disputes"]["totalCount"] == 0


def test_production_suggests_no_field_names():
    for production, suggests in ((True, False), (False, True)):
        schema = build_schema(production=production)
        result = asyncio.run(schema.execute("{ disput(caseNumber: \"x\") { id } }"))
        message = result.errors[0].message  # type: ignore[index]
        assert ("Did you mean" in message) is suggests, message
        assert "disput" in message


def test_two_hundred_waiting_reads_do_not_slow_commands(api: Api):
    """The flood of the report: 200 integrators' reads wait for a position the read models have
    not reached (nothing runs them here), while a clerk's commands keep their pace."""
    import time

    import httpx

    api.register()
    unprocessed = api.head()  # at the head, so not refused; never processed while this test runs
    clerk = api.headers(api.clerk("tax"))
    tokens = [api.integrator(f"flood-{i}", "tax") for i in range(200)]

    def command_seconds() -> float:
        started = time.perf_counter()
        api.register()
        return time.perf_counter() - started

    quiet = sorted(command_seconds() for _ in range(5))[2]

    async def flood() -> tuple[list[int], float]:
        transport = httpx.ASGITransport(app=api.runtime.http)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            waits = [
                asyncio.ensure_future(client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                                                  headers=api.headers(t, position=unprocessed), timeout=30))
                for t in tokens
            ]
            await asyncio.sleep(0.5)  # every wait is waiting now
            slowest = 0.0
            for _ in range(5):
                started = time.perf_counter()
                r = await client.post("/api/v1/disputes", json=_body(), headers=clerk, timeout=30)
                assert r.status_code == 201, r.text
                slowest = max(slowest, time.perf_counter() - started)
            answers = await asyncio.gather(*waits)
        return [a.status_code for a in answers], slowest

    statuses, slowest = asyncio.run(flood())
    assert statuses == [200] * 200  # each waited its 5 s and answered (with what it had)
    assert slowest < max(10 * quiet, 0.5), (slowest, quiet)


def test_a_wait_that_times_out_says_so(api: Api, monkeypatch: pytest.MonkeyPatch):
    from interfaces.graphql import controller

    monkeypatch.setattr(controller, "CONSISTENCY_WAIT", 0.1)
    position = api.register()["position"]  # nothing runs the projections: never reached
    r = api.client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                        headers=api.headers(api.auditor(), position=position))
    assert r.status_code == 200 and r.headers["x-consistency-reached"] == "false"
    assert r.json()["extensions"]["consistency"] == {"requested": position, "reached": 0}
    api.sync()
    r = api.client.post("/graphql", json={"query": "{ disputes { totalCount } }"},
                        headers=api.headers(api.auditor(), position=position))
    assert r.headers["x-consistency-reached"] == "true" and "extensions" not in r.json()
