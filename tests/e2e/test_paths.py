"""The full paths of a case through the REST commands, back-dating, and the public probes."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from tests.e2e import support as s
from tests.e2e.conftest import Server


def test_simple_path_resolve_on_spot_then_archive(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    case = s.expect_answer(clerk.register(other_party=None), 201, "ACCEPTED", 1)
    step = s.expect_answer(
        clerk.command(case["case_number"], "resolve-on-spot", s.resolve_body()),
        200,
        "FEEDBACK_GIVEN",
        2,
        same_case=case,
    )
    # Archived only without objection: here the payer confirms it (无异议确认).
    s.expect_error(clerk.command(case["id"], "archive", {}), 409, status="FEEDBACK_GIVEN")
    step = s.expect_answer(
        clerk.command(case["id"], "no-objection", s.no_objection_body()), 200, "FEEDBACK_GIVEN", 3, same_case=step
    )
    s.expect_answer(clerk.command(case["id"], "archive", {}), 200, "ARCHIVED", 4, same_case=step)


def test_general_path_transfer_conclude_feedback_archive(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    step = s.expect_answer(
        clerk.command(case["id"], "transfer", s.transfer_body("hrss")), 200, "TRANSFERRED", 2, same_case=case
    )
    step = s.expect_answer(
        handler.command(case["case_number"], "conclude", s.conclude_body()), 200, "CONCLUDED", 3, same_case=step
    )
    step = s.expect_answer(clerk.command(case["id"], "feedback", s.feedback_body()), 200, "CONCLUDED", 4, same_case=step)
    step = s.expect_answer(
        clerk.command(case["id"], "feedback", s.feedback_body("other_party")), 200, "FEEDBACK_GIVEN", 5, same_case=step
    )
    for party, version in (("payer", 6), ("other_party", 7)):
        step = s.expect_answer(
            clerk.command(case["id"], "no-objection", s.no_objection_body(party)), 200, "FEEDBACK_GIVEN", version,
            same_case=step,
        )
    s.expect_answer(clerk.command(case["case_number"], "archive", {}), 200, "ARCHIVED", 8, same_case=step)


def test_returned_and_transferred_again(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    hrss = server.caller("handler", "hrss")
    tax = server.caller("handler", "tax")
    case = s.expect_answer(clerk.register(category="late_fee", other_party=None), 201, "ACCEPTED", 1)
    step = s.expect_answer(
        clerk.command(case["id"], "transfer", s.transfer_body("hrss")), 200, "TRANSFERRED", 2, same_case=case
    )
    step = s.expect_answer(hrss.command(case["id"], "return", s.return_body()), 200, "ACCEPTED", 3, same_case=step)
    step = s.expect_answer(
        clerk.command(case["case_number"], "transfer", s.transfer_body("tax")), 200, "TRANSFERRED", 4, same_case=step
    )
    # The unit that gave the case back no longer handles it.
    s.expect_error(hrss.command(case["id"], "conclude", s.conclude_body()), 403)
    step = s.expect_answer(
        tax.command(case["id"], "progress", s.progress_body()), 200, "TRANSFERRED", 5, same_case=step
    )
    step = s.expect_answer(
        tax.command(case["id"], "conclude", s.conclude_body("corrected")), 200, "CONCLUDED", 6, same_case=step
    )
    step = s.expect_answer(
        clerk.command(case["id"], "feedback", s.feedback_body()), 200, "FEEDBACK_GIVEN", 7, same_case=step
    )
    step = s.expect_answer(
        clerk.command(case["id"], "no-objection", s.no_objection_body()), 200, "FEEDBACK_GIVEN", 8, same_case=step
    )
    s.expect_answer(clerk.command(case["id"], "archive", {}), 200, "ARCHIVED", 9, same_case=step)


def test_special_path_escalate_deliberate_conclude_by_executing_unit(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    hrss = server.caller("handler", "hrss")
    finance = server.caller("handler", "finance")
    taskforce = server.caller("taskforce")
    case = s.expect_answer(clerk.register(category="refund_offset"), 201, "ACCEPTED", 1)
    step = s.expect_answer(
        clerk.command(case["id"], "transfer", s.transfer_body("hrss")), 200, "TRANSFERRED", 2, same_case=case
    )
    step = s.expect_answer(hrss.command(case["id"], "escalate", s.escalate_body()), 200, "ESCALATED", 3, same_case=step)
    # Before the deliberation the executing unit is not involved: the case is out of its reach.
    s.expect_error(finance.command(case["id"], "conclude", s.conclude_body()), 404)
    step = s.expect_answer(
        taskforce.command(case["case_number"], "deliberation", s.deliberation_body("finance")),
        200,
        "DELIBERATED",
        4,
        same_case=step,
    )
    # The executing unit now carries the case; the escalating unit no longer concludes it.
    s.expect_error(hrss.command(case["id"], "conclude", s.conclude_body()), 403)
    step = s.expect_answer(
        finance.command(case["id"], "conclude", s.conclude_body("refunded")), 200, "CONCLUDED", 5, same_case=step
    )
    s.expect_answer(clerk.command(case["id"], "feedback", s.feedback_body()), 200, "CONCLUDED", 6, same_case=step)


def test_objection_remedy_guidance_then_archive(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    legal = server.caller("legal")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    step = s.expect_answer(
        clerk.command(case["id"], "transfer", s.transfer_body("hrss")), 200, "TRANSFERRED", 2, same_case=case
    )
    step = s.expect_answer(
        handler.command(case["id"], "conclude", s.conclude_body("not_supported")), 200, "CONCLUDED", 3, same_case=step
    )
    step = s.expect_answer(clerk.command(case["id"], "feedback", s.feedback_body()), 200, "CONCLUDED", 4, same_case=step)
    step = s.expect_answer(
        clerk.command(case["id"], "feedback", s.feedback_body("other_party")), 200, "FEEDBACK_GIVEN", 5, same_case=step
    )
    step = s.expect_answer(
        clerk.command(case["id"], "objection", s.objection_body()), 200, "OBJECTED", 6, same_case=step
    )
    s.expect_error(clerk.command(case["id"], "archive", {}), 409, status="OBJECTED")
    step = s.expect_answer(
        legal.command(case["case_number"], "remedy-guidance", s.remedy_body()), 200, "OBJECTED", 7, same_case=step
    )
    # The other party has neither confirmed nor waited out its quiet period.
    s.expect_error(clerk.command(case["id"], "archive", {}), 409, status="OBJECTED")
    step = s.expect_answer(
        clerk.command(case["id"], "no-objection", s.no_objection_body("other_party")), 200, "OBJECTED", 8,
        same_case=step,
    )
    s.expect_answer(clerk.command(case["id"], "archive", {}), 200, "ARCHIVED", 9, same_case=step)


def test_id_accepts_uuid_upper_case_uuid_and_case_number(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    step = s.expect_answer(
        clerk.command(case["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2, same_case=case
    )
    step = s.expect_answer(
        handler.command(case["case_number"], "progress", s.progress_body()), 200, "TRANSFERRED", 3, same_case=step
    )
    s.expect_answer(
        handler.command(case["id"].upper(), "progress", s.progress_body()), 200, "TRANSFERRED", 4, same_case=step
    )


def test_case_numbers_follow_each_other(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    first = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    second = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    year = s.now().astimezone(s.SHANGHAI).year
    assert first["case_number"].startswith(f"GP-{year}-")
    assert s.sequence_of(second["case_number"]) == s.sequence_of(first["case_number"]) + 1
    assert second["id"] != first["id"]


def test_back_dated_commands_within_the_history_are_accepted(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    t0 = s.now() - timedelta(days=3)
    case = s.expect_answer(
        clerk.register(received_at=s.iso(t0), at=s.iso(t0 + timedelta(minutes=30))), 201, "ACCEPTED", 1
    )
    transfer_at = s.iso(t0 + timedelta(days=1))
    step = s.expect_answer(
        clerk.command(case["id"], "transfer", {**s.transfer_body(), "at": transfer_at}),
        200,
        "TRANSFERRED",
        2,
        same_case=case,
    )
    # The same instant as the previous event is not before it.
    step = s.expect_answer(
        handler.command(case["id"], "progress", {**s.progress_body(), "at": transfer_at}),
        200,
        "TRANSFERRED",
        3,
        same_case=step,
    )
    step = s.expect_answer(
        handler.command(case["id"], "conclude", {**s.conclude_body(), "at": s.iso(t0 + timedelta(days=2))}),
        200,
        "CONCLUDED",
        4,
        same_case=step,
    )
    s.expect_answer(
        clerk.command(case["id"], "feedback", {**s.feedback_body(), "at": s.iso(s.now() - timedelta(hours=1))}),
        200,
        "CONCLUDED",  # the other party is still to be told
        5,
        same_case=step,
    )


def test_registration_on_a_public_holiday(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    # Sunday 15 Feb 2026, in the Spring Festival holiday; the hotline takes calls 24/7.
    case = s.expect_answer(
        clerk.register(received_at="2026-02-15T10:00:00+08:00", at="2026-02-15T10:05:00+08:00"), 201, "ACCEPTED", 1
    )
    assert case["case_number"].startswith("GP-2026-")
    step = s.expect_answer(
        clerk.command(case["case_number"], "transfer", {**s.transfer_body(), "at": "2026-02-24T09:00:00+08:00"}),
        200,
        "TRANSFERRED",
        2,
        same_case=case,
    )
    s.expect_answer(
        handler.command(case["id"], "conclude", {**s.conclude_body(), "at": "2026-02-27T16:00:00+08:00"}),
        200,
        "CONCLUDED",
        3,
        same_case=step,
    )


def test_openapi_lists_every_command_of_the_contract(server: Server) -> None:
    r = httpx.get(f"{server.url}/schema/openapi.json", timeout=10)
    assert r.status_code == 200, r.text
    paths = r.json()["paths"]
    expected = ["/api/v1/disputes"] + [f"/api/v1/disputes/{{id}}/{name}" for name in s.COMMAND_PATHS]
    missing = [p for p in expected if "post" not in paths.get(p, {})]
    assert not missing, f"OpenAPI lacks POST {missing}; has {sorted(paths)}"


def test_probes_answer_without_a_token(server: Server) -> None:
    health = httpx.get(f"{server.url}/health", timeout=10)
    assert health.status_code == 200, health.text
    # Ready once the projections have caught up (the contract allows them 5 s).
    deadline = time.monotonic() + 10
    while True:
        ready = httpx.get(f"{server.url}/ready", timeout=10)
        if ready.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ready.status_code == 200, ready.text
