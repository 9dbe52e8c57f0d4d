"""`disputes(filter, first, after)`: every filter of the contract, keyset pagination, and reach."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graphql.support import Api

QUERY = """query($f: DisputeFilter, $first: Int, $after: String) {
  disputes(filter: $f, first: $first, after: $after) {
    totalCount
    edges { cursor node { caseNumber } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

C1, C2, C3, C4, C5 = (f"GP-2026-00000{i}" for i in range(1, 6))
NEWEST_FIRST = [C5, C4, C3, C2, C1]


@pytest.fixture
def five(api: Api) -> Api:
    """Five cases received on different days, in different states; queried at 2026-11-26T03:00Z.

    C1 tax     ACCEPTED        hotline_12345    late_fee              140581101 WO-1  received Fri 20 Nov: transfer overdue
    C2 tax→hrss TRANSFERRED    hotline_12366    benefit               140581102 WO-2  received Mon 23 Nov
    C3 tax     FEEDBACK_GIVEN  service_window   contribution_amount   140581101 WO-3  received Tue 24 Nov, settled on the spot
    C4 hrss    ACCEPTED        hotline_12333    registration_transfer —         WO-4  received Wed 25 Nov 02:00Z
    C5 tax→tax ESCALATED       township_point   late_fee              140581103 WO-5  received Wed 25 Nov 06:00Z
    """
    api.at("2026-11-20T02:10:00Z")
    api.register(received_at="2026-11-20T02:00:00+00:00", channel="hotline_12345", category="late_fee",
                 township="140581101", external_ref="WO-1")
    api.at("2026-11-23T02:10:00Z")
    api.register(received_at="2026-11-23T02:00:00+00:00", channel="hotline_12366", category="benefit",
                 township="140581102", external_ref="WO-2")
    api.transfer(C2, "hrss")
    api.at("2026-11-24T02:10:00Z")
    api.register(received_at="2026-11-24T02:00:00+00:00", channel="service_window", category="contribution_amount",
                 township="140581101", external_ref="WO-3")
    api.act(C3, "resolve-on-spot", api.clerk("tax"), {"result": "当场解释缴费基数", "feedback_method": "in_person"})
    api.at("2026-11-25T02:10:00Z")
    api.register(api.clerk("hrss"), received_at="2026-11-25T02:00:00+00:00", accepting_unit="hrss",
                 channel="hotline_12333", category="registration_transfer", external_ref="WO-4")
    api.at("2026-11-25T06:10:00Z")
    api.register(received_at="2026-11-25T06:00:00+00:00", channel="township_point", category="late_fee",
                 township="140581103", external_ref="WO-5")
    api.transfer(C5, "tax")
    api.act(C5, "escalate", api.handler("tax"), {"reason": "涉及多部门"})
    api.at("2026-11-26T03:00:00Z")
    api.sync()
    return api


def cases(api: Api, token: str, f: dict[str, Any] | None = None, **kw: Any) -> list[str]:
    page = api.data(QUERY, {"f": f, **kw}, token=token)["disputes"]
    numbers = [e["node"]["caseNumber"] for e in page["edges"]]
    assert page["totalCount"] == len(numbers) or kw.get("first") is not None
    return numbers


FILTERS = [
    (None, NEWEST_FIRST),
    ({"status": "ACCEPTED"}, [C4, C1]),
    ({"status": "TRANSFERRED"}, [C2]),
    ({"status": "FEEDBACK_GIVEN"}, [C3]),
    ({"status": "ESCALATED"}, [C5]),
    ({"status": "ARCHIVED"}, []),
    ({"level": "GENERAL"}, [C2]),
    ({"level": "SIMPLE"}, [C3]),
    ({"level": "SPECIAL"}, [C5]),
    ({"unit": "hrss"}, [C4, C2]),  # accepting or handling
    ({"unit": "tax"}, [C5, C3, C2, C1]),
    ({"unit": "police"}, []),
    ({"category": "LATE_FEE"}, [C5, C1]),
    ({"channel": "HOTLINE_12366"}, [C2]),
    ({"township": "140581101"}, [C3, C1]),
    ({"receivedFrom": "2026-11-23T10:00:00+08:00", "receivedTo": "2026-11-24T02:00:00Z"}, [C3, C2]),  # inclusive
    ({"receivedFrom": "2026-11-25T00:00:00Z"}, [C5, C4]),
    ({"receivedTo": "2026-11-22T00:00:00Z"}, [C1]),
    ({"overdue": True}, [C1]),
    ({"overdue": False}, [C5, C4, C3, C2]),
    ({"externalRef": "WO-4"}, [C4]),
    ({"externalRef": "WO-404"}, []),
    ({"unit": "tax", "status": "ACCEPTED"}, [C1]),
    ({"category": "LATE_FEE", "overdue": False, "township": "140581103"}, [C5]),
]


def test_each_filter_selects_its_cases_newest_first(five: Api):
    # One set of cases, every filter of the contract (a table rather than parametrize: building
    # the cases is the expensive part).
    token = five.auditor()
    wrong = {str(f): (got, expected) for f, expected in FILTERS if (got := cases(five, token, f)) != expected}
    assert not wrong, wrong


def test_walking_pages_of_two_visits_every_case_once(five: Api):
    token = five.taskforce()
    seen: list[str] = []
    after = None
    pages = []
    while True:
        page = five.data(QUERY, {"first": 2, "after": after}, token=token)["disputes"]
        pages.append(page)
        assert page["totalCount"] == 5
        seen += [e["node"]["caseNumber"] for e in page["edges"]]
        assert page["pageInfo"]["endCursor"] == (page["edges"][-1]["cursor"] if page["edges"] else None)
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 10, "pagination does not end"

    assert seen == NEWEST_FIRST, "no duplicates, none skipped, newest first"
    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]


def test_pages_follow_the_filter_too(five: Api):
    token = five.auditor()
    first = five.data(QUERY, {"f": {"overdue": False}, "first": 3}, token=token)["disputes"]
    rest = five.data(QUERY, {"f": {"overdue": False}, "first": 3, "after": first["pageInfo"]["endCursor"]},
                     token=token)["disputes"]

    assert [e["node"]["caseNumber"] for e in first["edges"]] == [C5, C4, C3]
    assert [e["node"]["caseNumber"] for e in rest["edges"]] == [C2]
    assert (first["totalCount"], rest["totalCount"]) == (4, 4)
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)


def test_a_cursor_not_from_this_api_is_bad_input(five: Api):
    answer = five.gql(QUERY, {"first": 2, "after": "not-a-cursor"}, token=five.auditor())

    assert answer["data"] is None
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "after" in error["message"]


def test_a_negative_page_size_is_bad_input(five: Api):
    answer = five.gql(QUERY, {"first": -1}, token=five.auditor())

    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_filters_and_counts_respect_reach(five: Api):
    # tax is involved in C1, C2, C3, C5; hrss in C2 (handling) and C4 (accepting).
    assert cases(five, five.clerk("tax")) == [C5, C3, C2, C1]
    assert cases(five, five.handler("tax"), {"status": "ACCEPTED"}) == [C1]
    assert cases(five, five.clerk("hrss")) == [C4, C2]
    assert cases(five, five.clerk("hrss"), {"unit": "tax"}) == [C2]
    assert cases(five, five.clerk("hrss"), {"category": "LATE_FEE"}) == []
    assert cases(five, five.clerk("police")) == []
    assert cases(five, five.integrator()) == []
    page = five.data(QUERY, {"first": 1}, token=five.clerk("hrss"))["disputes"]
    assert page["totalCount"] == 2, "the count is of what the caller may see"


def test_an_integrator_lists_only_what_it_registered(five: Api):
    five.register(five.integrator(), received_at="2026-11-26T02:30:00+00:00", external_ref="12366-0001")
    five.sync()

    assert cases(five, five.integrator()) == ["GP-2026-000006"]
    assert cases(five, five.integrator(), {"externalRef": "WO-1"}) == []
    assert cases(five, five.integrator("platform-gov")) == []
    assert cases(five, five.auditor(), {"externalRef": "12366-0001"}) == ["GP-2026-000006"]


def test_cases_received_at_the_same_instant_page_by_case_number(api: Api):
    for _ in range(5):
        api.register(received_at="2026-11-25T02:00:00+00:00")
    api.sync()
    seen, after = [], None
    for _ in range(3):
        page = api.data(QUERY, {"first": 2, "after": after}, token=api.auditor())["disputes"]
        seen += [e["node"]["caseNumber"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]

    assert seen == NEWEST_FIRST
    assert page["pageInfo"]["hasNextPage"] is False
