"""Both parties answered and archive only without objection, over REST and GraphQL (issue 12,
items 4, 5 and 13): commands over REST and as mutations, the case read back over GraphQL."""

from __future__ import annotations

from typing import Any

from tests.graphql.support import Api

CASE = "GP-2026-000001"
OTHER = {"name": "高平市某某煤业有限公司", "kind": "employer"}
ANSWERS = """status feedbackPending noObjectionConfirmed objections
  archiveBasis { party basis toldAt quietUntil }
  remedyWindows { party kind startsOn lastDay body provisional derivation }"""
NO_OBJECTION = """mutation($n: String!, $input: ConfirmNoObjectionInput!) {
  confirmNoObjectionDispute(caseNumber: $n, input: $input) {
  __typename ... on CommandSuccess { status version } ... on InvalidInput { field message }
  ... on NotAllowed { caseStatus message } } }"""


def concluded(api: Api, **registration: Any) -> str:
    """A case received Mon 23 Nov 2026, transferred to and concluded by the tax bureau on that day."""
    api.at("2026-11-23T03:00:00Z")
    api.register(received_at="2026-11-23T02:00:00Z", **registration)
    tax = api.clerk("tax")
    api.transfer(CASE, "tax")
    api.act(CASE, "conclude", api.handler("tax"), {"outcome": "explained", "result": "已解释滞纳金加收依据"})
    return tax


def tell(api: Api, party: str) -> dict[str, Any]:
    return api.act(CASE, "feedback", api.clerk("tax"), {"party": party, "method": "phone", "content": "电话告知"})


def answers(api: Api) -> dict[str, Any]:
    api.sync()
    d = api.dispute(CASE, api.legal(), ANSWERS)
    assert d is not None
    return d


def test_the_payers_feedback_alone_leaves_the_case_concluded_and_feedback_pending(api: Api):
    concluded(api, other_party=OTHER)

    assert tell(api, "payer")["status"] == "CONCLUDED"
    assert answers(api)["feedbackPending"] == ["OTHER_PARTY"]
    queue = api.data('{ queue(unit: "tax", kind: TO_FEEDBACK) { edges { node { caseNumber } } } }', token=api.clerk("tax"))["queue"]["edges"]
    assert queue == [{"node": {"caseNumber": CASE}}]

    assert tell(api, "other_party")["status"] == "FEEDBACK_GIVEN"
    assert answers(api)["feedbackPending"] == []


def test_archive_right_after_feedback_is_409_naming_the_parties_and_records_nothing(api: Api):
    tax = concluded(api, other_party=OTHER)
    tell(api, "payer")
    tell(api, "other_party")
    head = api.head()

    problem = api.act(CASE, "archive", tax, expect=409)

    assert problem["case_status"] == "FEEDBACK_GIVEN"
    assert "payer" in problem["detail"] and "other_party" in problem["detail"]
    assert api.head() == head


def test_no_objection_over_rest_and_graphql_then_archive_records_the_basis(api: Api):
    tax = concluded(api, other_party=OTHER)
    tell(api, "payer")
    tell(api, "other_party")

    api.act(CASE, "no-objection", tax, {"party": "payer", "note": "电话确认无异议"})
    confirmed = api.data(NO_OBJECTION, {"n": CASE, "input": {"party": "OTHER_PARTY"}}, token=tax)["confirmNoObjectionDispute"]
    assert confirmed == {"__typename": "CommandSuccess", "status": "FEEDBACK_GIVEN", "version": 7}
    assert api.act(CASE, "archive", tax)["status"] == "ARCHIVED"

    d = answers(api)
    assert d["noObjectionConfirmed"] == ["PAYER", "OTHER_PARTY"]
    assert [(b["party"], b["basis"]) for b in d["archiveBasis"]] == [("PAYER", "CONFIRMED"), ("OTHER_PARTY", "CONFIRMED")]


def test_archive_after_the_quiet_period_records_it(api: Api):
    tax = concluded(api)
    tell(api, "payer")

    # Five working days after Mon 23 Nov 2026 end with Mon 30 Nov.
    api.at("2026-12-01T01:00:00Z")
    api.act(CASE, "archive", tax, {"at": "2026-11-30T15:59:00Z"}, expect=409)
    assert api.act(CASE, "archive", tax, {"at": "2026-11-30T16:00:00Z"})["status"] == "ARCHIVED"

    (basis,) = answers(api)["archiveBasis"]
    assert basis == {"party": "PAYER", "basis": "QUIET_PERIOD", "toldAt": "2026-11-23T03:00:00+00:00",
                     "quietUntil": "2026-11-30T16:00:00+00:00"}


def test_bad_no_objection_input_is_400_naming_the_field_and_refusals_are_409(api: Api):
    tax = concluded(api)
    head = api.head()

    assert api.act(CASE, "no-objection", tax, {"party": "neighbour"}, expect=400)["field"] == "party"
    assert api.act(CASE, "no-objection", tax, {}, expect=400)["field"] == "party"
    assert api.act(CASE, "no-objection", tax, {"party": "other_party"}, expect=400)["field"] == "party"
    not_told = api.act(CASE, "no-objection", tax, {"party": "payer"}, expect=409)
    assert "not been told" in not_told["detail"]
    assert api.act(CASE, "no-objection", api.handler("tax"), {"party": "payer"}, expect=403)
    answer = api.data(NO_OBJECTION, {"n": CASE, "input": {"party": "PAYER"}}, token=tax)["confirmNoObjectionDispute"]
    assert (answer["__typename"], answer["caseStatus"]) == ("NotAllowed", "CONCLUDED")
    assert api.head() == head


def test_both_parties_object_each_gets_guidance_and_the_windows_are_typed(api: Api):
    tax = concluded(api, other_party=OTHER)
    tell(api, "payer")
    tell(api, "other_party")
    api.act(CASE, "objection", tax, {"party": "payer", "content": "不服"})
    api.act(CASE, "objection", tax, {"party": "other_party", "content": "单位不服"})
    again = api.act(CASE, "objection", tax, {"party": "payer", "content": "再次不服"}, expect=409)
    assert "once" in again["detail"]
    api.act(CASE, "remedy-guidance", api.legal(),
            {"remedy": "reconsideration", "content": "可申请行政复议", "act_known_on": "2026-11-23"})
    still = api.act(CASE, "archive", tax, expect=409)
    assert "other_party (objection without remedy guidance)" in still["detail"]
    api.act(CASE, "remedy-guidance", api.legal(), {"remedy": "litigation", "content": "可提起诉讼",
                                                     "act_known_on": "2026-11-23", "party": "other_party"})
    assert api.act(CASE, "archive", tax)["status"] == "ARCHIVED"

    d = answers(api)
    assert d["objections"] == ["PAYER", "OTHER_PARTY"]
    windows = {(w["party"], w["kind"]): w for w in d["remedyWindows"]}
    assert set(windows) == {(p, k) for p in ("PAYER", "OTHER_PARTY") for k in ("RECONSIDERATION", "LITIGATION")}
    recon = windows[("PAYER", "RECONSIDERATION")]
    # Knew on 23 Nov 2026: counted from 24 Nov; 60 days end on Fri 22 Jan 2027.
    assert (recon["startsOn"], recon["lastDay"]) == ("2026-11-24", "2027-01-22")
    assert recon["body"] == "国家税务总局晋城市税务局（上一级税务机关）"
    assert recon["derivation"]
    litigation = windows[("OTHER_PARTY", "LITIGATION")]
    assert (litigation["startsOn"], litigation["lastDay"]) == ("2026-11-24", "2027-05-24")
    assert "法院" in litigation["body"]


def test_an_objection_on_an_archived_case_reopens_it_within_six_months_and_not_after(api: Api):
    tax = concluded(api)
    tell(api, "payer")
    api.act(CASE, "no-objection", tax, {"party": "payer"})
    api.act(CASE, "archive", tax)

    api.at("2027-05-25T02:00:00Z")  # six months after 23 Nov 2026 end on Sun 23 May, moved to Mon 24 May
    late = api.act(CASE, "objection", tax, {"party": "payer", "content": "不服", "at": "2027-05-24T16:00:00Z"},
                   expect=409)
    assert "remedy windows have closed" in late["detail"]
    assert late["case_status"] == "ARCHIVED"

    reopened = api.act(CASE, "objection", tax, {"party": "payer", "content": "不服", "at": "2027-05-24T15:59:00Z"})
    assert reopened["status"] == "OBJECTED"
    assert answers(api)["status"] == "OBJECTED"
