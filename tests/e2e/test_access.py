"""Refused transitions (409) and the limits of each role (401 / 403 / 404)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import support as s
from tests.e2e.conftest import Caller, Server, case_in, clean_env, issue_token

# The next step the contract allows from each status (to show that nothing was recorded).
NEXT_STEP: dict[str, tuple[str, str | None, str, Callable[[], dict[str, Any]], str]] = {
    "ACCEPTED": ("clerk", "tax", "transfer", s.transfer_body, "TRANSFERRED"),
    "TRANSFERRED": ("handler", "hrss", "progress", s.progress_body, "TRANSFERRED"),
    "ESCALATED": ("handler", "hrss", "progress", s.progress_body, "ESCALATED"),
    "DELIBERATED": ("handler", "finance", "progress", s.progress_body, "DELIBERATED"),
    "CONCLUDED": ("clerk", "tax", "feedback", s.feedback_body, "CONCLUDED"),  # the other party still waits
    "FEEDBACK_GIVEN": ("clerk", "tax", "feedback", s.feedback_body, "FEEDBACK_GIVEN"),
    "OBJECTED": ("legal", None, "remedy-guidance", s.remedy_body, "OBJECTED"),
}

CONCLUDE_ON_ACCEPTED_BUG = (
    "bug: application/access.py check_case() refuses a handler whose unit is not the case's "
    "handling unit with Forbidden (403) before the aggregate's state check; an ACCEPTED case has "
    "no handling unit, so 'conclude' (and progress/escalate/return) on ACCEPTED always answers 403 "
    "and never the contract's 409 naming ACCEPTED"
)

REFUSALS = [
    ("ACCEPTED", "clerk", "tax", "archive", dict),
    ("ACCEPTED", "clerk", "tax", "feedback", s.feedback_body),
    ("ACCEPTED", "clerk", "tax", "objection", s.objection_body),
    ("ACCEPTED", "taskforce", None, "deliberation", s.deliberation_body),
    ("ACCEPTED", "legal", None, "remedy-guidance", s.remedy_body),
    pytest.param(
        "ACCEPTED",
        "handler",
        "tax",
        "conclude",
        s.conclude_body,
    ),
    ("TRANSFERRED", "taskforce", None, "deliberation", s.deliberation_body),
    ("TRANSFERRED", "clerk", "tax", "resolve-on-spot", s.resolve_body),
    ("TRANSFERRED", "clerk", "tax", "transfer", s.transfer_body),
    ("TRANSFERRED", "clerk", "tax", "archive", dict),
    ("TRANSFERRED", "clerk", "tax", "feedback", s.feedback_body),
    ("ESCALATED", "handler", "hrss", "conclude", s.conclude_body),
    ("ESCALATED", "handler", "hrss", "escalate", s.escalate_body),
    ("ESCALATED", "handler", "hrss", "return", s.return_body),
    ("ESCALATED", "clerk", "tax", "transfer", s.transfer_body),
    ("DELIBERATED", "taskforce", None, "deliberation", s.deliberation_body),
    ("DELIBERATED", "handler", "finance", "escalate", s.escalate_body),
    ("CONCLUDED", "clerk", "tax", "objection", s.objection_body),
    ("CONCLUDED", "clerk", "tax", "archive", dict),
    ("CONCLUDED", "handler", "finance", "conclude", s.conclude_body),
    ("FEEDBACK_GIVEN", "legal", None, "remedy-guidance", s.remedy_body),
    ("FEEDBACK_GIVEN", "handler", "finance", "conclude", s.conclude_body),
    ("FEEDBACK_GIVEN", "clerk", "tax", "resolve-on-spot", s.resolve_body),
    ("OBJECTED", "clerk", "tax", "archive", dict),
    ("OBJECTED", "clerk", "tax", "objection", s.objection_body),
    ("ARCHIVED", "clerk", "tax", "archive", dict),
    ("ARCHIVED", "clerk", "tax", "feedback", s.feedback_body),
    ("ARCHIVED", "clerk", "tax", "objection", s.objection_body),
]


@pytest.mark.parametrize(("status", "role", "unit", "command", "body"), REFUSALS)
def test_refused_transition_is_409_naming_the_status(
    server: Server, status: str, role: str, unit: str | None, command: str, body: Callable[[], dict[str, Any]]
) -> None:
    last = case_in(server, status)
    caller = server.caller(role, unit)
    s.expect_error(caller.command(last["case_number"], command, body()), 409, status=status)
    if status in NEXT_STEP:
        # Nothing was recorded: the next allowed step gets the very next version.
        n_role, n_unit, n_command, n_body, n_status = NEXT_STEP[status]
        answer = server.caller(n_role, n_unit).command(last["id"], n_command, n_body())
        s.expect_answer(answer, 200, n_status, last["version"] + 1, same_case=last)


def test_returned_case_cannot_be_resolved_on_the_spot(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    last = case_in(server, "TRANSFERRED")
    last = s.expect_answer(
        server.caller("handler", "hrss").command(last["id"], "return", s.return_body()), 200, "ACCEPTED", 3
    )
    s.expect_error(clerk.command(last["id"], "resolve-on-spot", s.resolve_body()), 409, status="ACCEPTED")
    s.expect_answer(clerk.command(last["id"], "transfer", s.transfer_body("tax")), 200, "TRANSFERRED", 4)


# --- authentication -----------------------------------------------------------------------


def _unauthorized(response: httpx.Response) -> None:
    s.expect_error(response, 401)
    assert response.headers.get("www-authenticate", "").lower().startswith("bearer"), response.headers


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_missing_and_malformed_tokens_are_401(server: Server) -> None:
    last = case_in(server, "ACCEPTED")
    clerk_token = server.token("clerk", "tax")
    header, _payload, signature = clerk_token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(_payload + "=" * (-len(_payload) % 4)))
    forged = f"{header}.{_b64({**payload, 'role': 'taskforce'})}.{signature}"
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_payload}."
    variants: list[dict[str, str]] = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer a.b.c"},
        {"Authorization": f"Basic {clerk_token}"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {unsigned}"},
    ]
    for headers in variants:
        _unauthorized(server.http.post("/api/v1/disputes", json=s.registration("tax"), headers=headers))
        _unauthorized(
            server.http.post(f"/api/v1/disputes/{last['id']}/transfer", json=s.transfer_body(), headers=headers)
        )
    # Nothing happened to the case.
    s.expect_answer(
        server.caller("clerk", "tax").command(last["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2
    )


def test_token_signed_with_another_secret_is_401(server: Server, tmp_path: Path) -> None:
    # Another installation (its own ./var/secret) issues a perfectly formed clerk token.
    foreign = issue_token(tmp_path, clean_env(), "e2e-clerk-tax", "clerk", "tax")
    caller = Caller(server, foreign, "clerk", "tax", "e2e-clerk-tax")
    _unauthorized(caller.register())
    last = case_in(server, "ACCEPTED")
    _unauthorized(caller.command(last["id"], "transfer", s.transfer_body()))


def test_expired_token_is_401(server: Server) -> None:
    # Issued with --ttl 1 when the server started; wait until 2 s have passed.
    time.sleep(max(0.0, server.expired_token_issued + 2.0 - time.monotonic()))
    caller = Caller(server, server.expired_token, "clerk", "tax", "e2e-expired")
    _unauthorized(caller.register())


# --- roles --------------------------------------------------------------------------------


def test_the_task_force_transfers_only_as_a_designation_after_a_second_return(server: Server) -> None:
    last = case_in(server, "ACCEPTED")
    answer = s.expect_error(server.caller("taskforce", None).command(last["id"], "transfer", s.transfer_body()), 409,
                            status="ACCEPTED")
    assert "second return" in answer["detail"]


@pytest.mark.parametrize(
    ("role", "unit", "command", "body"),
    [
        ("auditor", None, "transfer", s.transfer_body),
        ("auditor", None, "archive", dict),
        ("auditor", None, "progress", s.progress_body),
        ("legal", None, "transfer", s.transfer_body),
        ("handler", "tax", "transfer", s.transfer_body),
        ("integrator", "tax", "transfer", s.transfer_body),
    ],
)
def test_role_without_the_right_is_403(
    server: Server, role: str, unit: str | None, command: str, body: Callable[[], dict[str, Any]]
) -> None:
    last = case_in(server, "ACCEPTED")
    s.expect_error(server.caller(role, unit).command(last["id"], command, body()), 403)
    s.expect_answer(
        server.caller("clerk", "tax").command(last["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2
    )


@pytest.mark.parametrize(
    ("role", "unit"), [("auditor", None), ("taskforce", None), ("legal", None), ("handler", "tax")]
)
def test_roles_that_do_not_register_get_403(server: Server, role: str, unit: str | None) -> None:
    clerk = server.caller("clerk", "tax")
    before = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    s.expect_error(server.caller(role, unit).register(s.registration("tax")), 403)
    after = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    assert s.sequence_of(after["case_number"]) == s.sequence_of(before["case_number"]) + 1


def test_case_outside_reach_answers_as_unknown_case(server: Server) -> None:
    last = case_in(server, "TRANSFERRED")  # accepted by tax, handled by hrss
    unknown = "GP-2026-999999"
    for caller, command, body in [
        (server.caller("handler", "court"), "progress", s.progress_body()),
        (server.caller("handler", "court"), "conclude", s.conclude_body()),
        (server.caller("clerk", "court"), "feedback", s.feedback_body()),
        (server.caller("clerk", "court"), "transfer", s.transfer_body()),
    ]:
        for ref in (last["case_number"], last["id"]):
            out_of_reach = s.expect_error(caller.command(ref, command, body), 404)
            not_there = s.expect_error(caller.command(unknown, command, body), 404)
            assert out_of_reach["error"] == not_there["error"]
            assert out_of_reach["message"].replace(ref, "<ref>") == not_there["message"].replace(unknown, "<ref>")
            assert set(out_of_reach) == set(not_there)


def test_clerk_cannot_do_handler_work_and_handler_cannot_do_clerk_work(server: Server) -> None:
    last = case_in(server, "TRANSFERRED")
    clerk = server.caller("clerk", "tax")
    for command, body in [
        ("progress", s.progress_body()),
        ("conclude", s.conclude_body()),
        ("return", s.return_body()),
    ]:
        s.expect_error(clerk.command(last["id"], command, body), 403)
    # A clerk escalates a special matter only before any transfer: after one, the status answers.
    s.expect_error(clerk.command(last["id"], "escalate", s.escalate_body()), 409, status="TRANSFERRED")
    handler = server.caller("handler", "hrss")
    s.expect_error(handler.command(last["id"], "transfer", s.transfer_body("tax")), 403)
    # The handler of the accepting unit is in reach but does not handle the case.
    s.expect_error(server.caller("handler", "tax").command(last["id"], "progress", s.progress_body()), 403)
    # The handling unit's clerk may not do the accepting unit's work.
    s.expect_error(server.caller("clerk", "hrss").command(last["id"], "archive", {}), 403)
    s.expect_answer(handler.command(last["id"], "progress", s.progress_body()), 200, "TRANSFERRED", 3)


def test_integrator_registers_for_its_unit_only_and_sees_only_its_own_cases(server: Server) -> None:
    first = server.caller("integrator", "tax", "e2e-integrator-12366")
    second = server.caller("integrator", "tax", "e2e-integrator-12345")
    case = s.expect_answer(first.register(s.registration("tax", channel="hotline_12366")), 201, "ACCEPTED", 1)
    s.expect_error(first.register(s.registration("hrss", channel="hotline_12366")), 403)
    # Another integrator: its answer on the first one's case is exactly its answer on no case.
    for ref in (case["case_number"], case["id"]):
        for command, body in [("transfer", s.transfer_body()), ("archive", {}), ("progress", s.progress_body())]:
            theirs = second.command(ref, command, body)
            nothing = second.command("GP-2026-999998", command, body)
            assert theirs.status_code in (403, 404), theirs.text
            assert theirs.status_code == nothing.status_code, (theirs.text, nothing.text)
            assert theirs.json() == nothing.json()
    # The case is still untouched and the accepting unit's clerk carries on with it.
    s.expect_answer(
        server.caller("clerk", "tax").command(case["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2
    )
