"""`dispute(caseNumber)`: the case view as the contract names it; null when unknown or out of reach;
`overdue` judged as of the query's now, with no event needed."""

from __future__ import annotations

from tests.graphql.support import Api

CASE_1 = "GP-2026-000001"
CASE_2 = "GP-2026-000002"


def test_a_new_case_reads_back_with_enums_in_upper_case_and_its_transfer_deadline(api: Api):
    r = api.register()
    api.sync()

    d = api.dispute(CASE_1, api.clerk("tax"))

    assert d == {
        "id": r["id"],
        "caseNumber": CASE_1,
        "status": "ACCEPTED",
        "level": None,
        "channel": "HOTLINE_12366",
        "category": "LATE_FEE",
        "acceptingUnit": "tax",
        "handlingUnit": None,
        "receivedAt": "2026-11-25T02:00:00+00:00",
        "acceptedOn": "2026-11-25",
        "summary": "对滞纳金加收有异议",
        "version": 1,
        "overdue": False,
        "externalRef": None,
        "township": None,
        "deadlines": [
            {
                "kind": "TRANSFER",
                "dueAt": "2026-11-26T16:00:00+00:00",  # end of Thu 26 Nov in Asia/Shanghai
                "dueOn": "2026-11-26",
                "metAt": None,
                "overdue": False,
                "provisional": False,
                "derivation": d["deadlines"][0]["derivation"],
                "unit": "tax",
            }
        ],
    }
    derivation = d["deadlines"][0]["derivation"]
    assert any(line.startswith("start: 2026-11-25") for line in derivation), derivation
    assert any("2026-11-26T16:00:00Z" in line for line in derivation), derivation


def test_a_holiday_intake_is_deemed_accepted_on_the_next_working_day(api: Api):
    # Sun 15 Feb 2026 is in the Spring Festival break: deemed accepted Tue 24 Feb, transfer due Wed 25 Feb.
    api.register(received_at="2026-02-15T02:00:00+00:00")
    api.sync()

    d = api.dispute(CASE_1, api.clerk("tax"), "receivedAt acceptedOn acceptanceDerivation deadlines { kind dueAt dueOn provisional derivation metAt }")

    assert d["receivedAt"] == "2026-02-15T02:00:00+00:00"
    assert d["acceptedOn"] == "2026-02-24"
    assert d["acceptanceDerivation"], "the deemed acceptance says why"
    [transfer] = d["deadlines"]
    assert transfer["kind"] == "TRANSFER"
    assert transfer["dueAt"] == "2026-02-25T16:00:00+00:00"
    assert transfer["dueOn"] == "2026-02-25"
    assert transfer["provisional"] is False
    assert transfer["metAt"] is None
    assert transfer["derivation"][0].startswith("start: 2026-02-24")


def test_a_deadline_in_a_year_without_a_holiday_notice_is_provisional(api: Api):
    # 2027's notice is not loaded: a transfer due in 2027 skips the statutory 元旦 (Fri 1 Jan) and
    # the weekend, and is marked provisional.
    api.at("2026-12-31T03:00:00Z")
    api.register(received_at="2026-12-31T02:00:00+00:00")
    api.sync()

    [transfer] = api.dispute(CASE_1, api.clerk("tax"), "deadlines { kind dueOn provisional }")["deadlines"]

    assert transfer == {"kind": "TRANSFER", "dueOn": "2027-01-04", "provisional": True}


def test_a_transfer_meets_the_transfer_deadline_and_opens_the_handling_one(api: Api):
    api.register()
    api.transfer(CASE_1, "hrss")
    api.sync()

    d = api.dispute(CASE_1, api.handler("hrss"))

    assert (d["status"], d["level"], d["handlingUnit"], d["version"]) == ("TRANSFERRED", "GENERAL", "hrss", 2)
    transfer, handling = d["deadlines"]
    assert (transfer["kind"], transfer["metAt"], transfer["overdue"]) == ("TRANSFER", "2026-11-26T02:00:00+00:00", False)
    # Transferred Thu 26 Nov: 5 working days → Thu 3 Dec.
    assert handling["kind"] == "HANDLING"
    assert (handling["dueAt"], handling["dueOn"], handling["metAt"]) == ("2026-12-03T16:00:00+00:00", "2026-12-03", None)
    assert handling["unit"] == "hrss"


def test_an_unknown_case_is_null_and_a_known_one_is_found_whatever_its_letter_case(api: Api):
    api.register()
    api.sync()

    assert api.dispute("GP-2026-999999", api.auditor()) is None
    assert api.dispute("not a case number", api.auditor()) is None
    assert api.dispute(CASE_1.lower(), api.clerk("tax"), "caseNumber") == {"caseNumber": CASE_1}


def test_a_case_out_of_reach_is_null_exactly_like_an_unknown_one(api: Api):
    api.register()  # tax, by a clerk
    api.register(api.integrator(), channel="hotline_12366")  # tax, by the 12366 platform
    api.sync()

    # A clerk of a unit not involved.
    assert api.dispute(CASE_1, api.clerk("hrss")) is None
    assert api.dispute(CASE_1, api.handler("hrss")) is None
    # Another integrator, even one filing for the same unit.
    assert api.dispute(CASE_2, api.integrator("platform-gov")) is None
    # An integrator reads what it registered, and nothing else.
    assert api.dispute(CASE_2, api.integrator())["caseNumber"] == CASE_2
    assert api.dispute(CASE_1, api.integrator()) is None
    # The units involved and the read-everything roles see both.
    for token in (api.clerk("tax"), api.handler("tax"), api.auditor(), api.legal(), api.taskforce()):
        assert api.dispute(CASE_1, token, "caseNumber") == {"caseNumber": CASE_1}
        assert api.dispute(CASE_2, token, "caseNumber") == {"caseNumber": CASE_2}
    # Once transferred to hrss, the hrss clerk sees it too.
    api.transfer(CASE_1, "hrss")
    api.sync()
    assert api.dispute(CASE_1, api.clerk("hrss"), "caseNumber") == {"caseNumber": CASE_1}


# --- overdue flips with time, with no new event ----------------------------------------------


def test_overdue_turns_true_when_the_clock_passes_the_deadline_without_any_command(api: Api):
    api.register()  # transfer due 2026-11-26T16:00:00Z
    api.sync()
    head = api.head()
    tax = api.clerk("tax")
    overdue_q = "query { disputes(filter: {overdue: true}) { totalCount } }"
    queue_q = 'query { queue(unit: "tax", kind: OVERDUE) { edges { node { caseNumber } } } }'

    d = api.dispute(CASE_1, tax, "overdue version deadlines { overdue }")
    assert d == {"overdue": False, "version": 1, "deadlines": [{"overdue": False}]}
    assert api.data(overdue_q, token=tax)["disputes"]["totalCount"] == 0
    assert api.data(queue_q, token=tax)["queue"]["edges"] == []

    api.at("2026-11-26T15:59:59.999999Z")  # the last instant of the last day: not yet late
    assert api.dispute(CASE_1, tax, "overdue")["overdue"] is False
    assert api.data(overdue_q, token=tax)["disputes"]["totalCount"] == 0

    api.at("2026-11-26T16:00:00Z")  # 24:00:00 exactly: late (domain.md, "Overdue")
    d = api.dispute(CASE_1, tax, "overdue version deadlines { overdue metAt }")
    assert d == {"overdue": True, "version": 1, "deadlines": [{"overdue": True, "metAt": None}]}
    assert api.data(overdue_q, token=tax)["disputes"]["totalCount"] == 1
    assert api.data(queue_q, token=tax)["queue"]["edges"] == [{"node": {"caseNumber": CASE_1}}]
    assert api.head() == head, "nothing was recorded: the flip is computed at read time"


def test_a_deadline_met_late_stays_overdue_but_the_case_is_overdue_only_while_a_deadline_is_open(api: Api):
    api.register()
    api.at("2026-11-27T02:00:00Z")
    api.transfer(CASE_1, "hrss")  # a day after the transfer deadline
    api.sync()
    tax = api.clerk("tax")

    d = api.dispute(CASE_1, tax, "overdue missedDeadlines deadlines { kind overdue metAt }")

    # One meaning of overdue: the case has no open deadline past its end; its history keeps the miss.
    assert (d["overdue"], d["missedDeadlines"]) == (False, 1)
    assert d["deadlines"][0] == {"kind": "TRANSFER", "overdue": True, "metAt": "2026-11-27T02:00:00+00:00"}
    assert d["deadlines"][1]["overdue"] is False
    assert api.data("query { disputes(filter: {overdue: true}) { totalCount } }", token=tax)["disputes"]["totalCount"] == 0
    assert api.data('query { queue(unit: "tax", kind: OVERDUE) { totalCount } }', token=tax)["queue"]["totalCount"] == 0


def test_a_unit_code_with_an_underscore_reaches_only_its_own_cases(api: Api):
    api.post("/units", {"code": "gov0office", "name": "某新增成员单位"}, api.taskforce(), expect=201)
    api.register(api.clerk("gov0office"), accepting_unit="gov0office")
    api.sync()
    assert api.dispute(CASE_1, api.clerk("gov0office"), "caseNumber") == {"caseNumber": CASE_1}

    neighbour = api.clerk("gov_office")
    assert api.data("{ disputes { totalCount } }", token=neighbour)["disputes"]["totalCount"] == 0
    assert api.dispute(CASE_1, neighbour, "caseNumber") is None
