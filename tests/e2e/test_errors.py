"""Every error answer of the contract: 400 naming the field (nothing recorded), 404, 422."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e import support as s
from tests.e2e.conftest import Server

RESIDENT_ID = s.resident_id("19850312", 7)
CREDIT_CODE = s.credit_code(4242)


def _without(body: dict[str, Any], *path: str) -> dict[str, Any]:
    copy = {k: (dict(v) if isinstance(v, dict) else v) for k, v in body.items()}
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


def _payer(**changes: Any) -> dict[str, Any]:
    payer = {"kind": "individual", "name": "张三", "id_number": RESIDENT_ID, "phone": "13800138000"}
    payer.update(changes)
    return payer


def _future() -> str:
    return s.iso(s.now() + timedelta(days=1))


# (test id, body or raw bytes, field the answer must name)
INVALID_REGISTRATIONS: list[tuple[str, Any, str]] = [
    ("malformed JSON", b'{"channel": "hotline_12345", ', "body"),
    ("not an object", b"[1, 2]", "body"),
    ("unknown field", lambda: {**s.registration(), "colour": "red"}, "colour"),
    ("unknown nested field", lambda: s.registration(payer=_payer(age=30)), "payer.age"),
    ("unknown channel", lambda: s.registration(channel="fax"), "channel"),
    ("unknown category", lambda: s.registration(category="parking"), "category"),
    ("unknown payer kind", lambda: s.registration(payer=_payer(kind="alien")), "payer.kind"),
    ("unknown insurance type", lambda: s.registration(insurance_types=["pension", "dental"]), "insurance_types[1]"),
    (
        "resident ID check digit",
        lambda: s.registration(payer=_payer(id_number=s.wrong_check_char(RESIDENT_ID, "0123456789X"))),
        "payer.id_number",
    ),
    (
        "credit code check char",
        lambda: s.registration(
            payer=_payer(
                kind="employer",
                name="某公司",
                id_number=s.wrong_check_char(CREDIT_CODE, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
            )
        ),
        "payer.id_number",
    ),
    ("resident ID for an employer", lambda: s.registration(payer=_payer(kind="employer")), "payer.id_number"),
    ("bad phone", lambda: s.registration(payer=_payer(phone="12345")), "payer.phone"),
    ("bad mobile prefix", lambda: s.registration(payer=_payer(phone="12800138000")), "payer.phone"),
    ("missing summary", lambda: _without(s.registration(), "summary"), "summary"),
    ("missing payer.phone", lambda: _without(s.registration(), "payer", "phone"), "payer.phone"),
    ("missing payer", lambda: _without(s.registration(), "payer"), "payer"),
    ("empty summary", lambda: s.registration(summary=""), "summary"),
    ("at in the future", lambda: s.registration(at=_future()), "at"),
    ("received_at in the future", lambda: s.registration(received_at=_future()), "received_at"),
    ("at before received_at", lambda: s.registration(at=s.iso(s.now() - timedelta(days=1))), "at"),
    ("received_at without offset", lambda: s.registration(received_at="2026-11-20T10:00:00"), "received_at"),
    ("received_at not a time", lambda: s.registration(received_at="yesterday"), "received_at"),
    ("people_involved zero", lambda: s.registration(people_involved=0), "people_involved"),
    ("unknown township", lambda: s.registration(township="Atlantis"), "township"),
]


def test_invalid_registrations_are_400_naming_the_field_and_record_nothing(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    previous = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    failures = []
    for name, body, field in INVALID_REGISTRATIONS:
        if isinstance(body, bytes):
            response = clerk.post("/api/v1/disputes", content=body)
        else:
            response = clerk.register(body())
        try:
            s.expect_error(response, 400, field=field)
        except AssertionError as e:
            failures.append(f"{name}: {e}")
        # Nothing recorded: the next registration takes the very next number.
        following = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
        assert s.sequence_of(following["case_number"]) == s.sequence_of(previous["case_number"]) + 1, name
        previous = following
    assert not failures, "\n".join(failures)


def test_valid_identifier_variants_are_accepted(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    employer = _payer(kind="employer", name="高平市某煤业有限公司", id_number=CREDIT_CODE, phone="0356-5221234")
    s.expect_answer(clerk.register(s.registration(payer=employer)), 201, "ACCEPTED", 1)
    x_id = next(i for i in (s.resident_id("19700101", n) for n in range(1000)) if i.endswith("X"))
    s.expect_answer(
        clerk.register(s.registration(payer=_payer(id_number=x_id, phone="+86 138 0013 8000"))), 201, "ACCEPTED", 1
    )


def _transferred(server: Server) -> dict[str, Any]:
    clerk = server.caller("clerk", "tax")
    case = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    return s.expect_answer(clerk.command(case["id"], "transfer", s.transfer_body("hrss")), 200, "TRANSFERRED", 2)


def test_invalid_commands_are_400_naming_the_field_and_record_nothing(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    handler = server.caller("handler", "hrss")
    taskforce = server.caller("taskforce")
    fresh = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    for body, field in [
        ({"to_unit": "nowhere"}, "to_unit"),
        ({"to_unit": "Not A Code"}, "to_unit"),
        ({}, "to_unit"),
        ({**s.transfer_body(), "at": _future()}, "at"),
        ({**s.transfer_body(), "at": s.iso(s.now() - timedelta(days=2))}, "at"),
        ({**s.transfer_body(), "priority": "high"}, "priority"),
    ]:
        s.expect_error(clerk.command(fresh["id"], "transfer", body), 400, field=field)
    for body, field in [
        ({"result": "r", "feedback_method": "telepathy"}, "feedback_method"),
        ({"result": "r"}, "feedback_method"),
    ]:
        s.expect_error(clerk.command(fresh["id"], "resolve-on-spot", body), 400, field=field)
    s.expect_error(clerk.post(f"/api/v1/disputes/{fresh['id']}/transfer", content=b'{"to_unit": '), 400, field="body")
    s.expect_answer(clerk.command(fresh["id"], "transfer", s.transfer_body()), 200, "TRANSFERRED", 2)

    last = _transferred(server)
    ref = last["case_number"]
    for body, field in [
        ({"outcome": "bogus", "result": "r"}, "outcome"),
        ({"outcome": "explained"}, "result"),
        ({"outcome": "explained", "result": ""}, "result"),
        ({**s.conclude_body(), "at": _future()}, "at"),
        ({**s.conclude_body(), "at": s.iso(s.now() - timedelta(days=1))}, "at"),
        ({**s.conclude_body(), "at": "2026-11-26T10:00:00"}, "at"),
    ]:
        s.expect_error(handler.command(ref, "conclude", body), 400, field=field)
    s.expect_error(handler.command(ref, "return", {}), 400, field="reason")
    s.expect_error(handler.command(ref, "progress", {"note": 42}), 400, field="note")
    step = s.expect_answer(handler.command(ref, "escalate", s.escalate_body()), 200, "ESCALATED", 3, same_case=last)

    deliberation = s.deliberation_body()
    for body, field in [
        ({**deliberation, "attendees": []}, "attendees"),
        ({**deliberation, "attendees": [{"unit": "nowhere", "name": "x"}]}, "attendees[0].unit"),
        ({**deliberation, "executing_unit": "nowhere"}, "executing_unit"),
        ({**deliberation, "held_at": "soon"}, "held_at"),
        (_without(deliberation, "minutes"), "minutes"),
    ]:
        s.expect_error(taskforce.command(ref, "deliberation", body), 400, field=field)
    step = s.expect_answer(
        taskforce.command(ref, "deliberation", s.deliberation_body()), 200, "DELIBERATED", 4, same_case=step
    )
    step = s.expect_answer(
        server.caller("handler", "finance").command(ref, "conclude", s.conclude_body()),
        200,
        "CONCLUDED",
        5,
        same_case=step,
    )

    for body, field in [
        ({"party": "neighbour", "method": "phone", "content": "c"}, "party"),
        ({"party": "payer", "method": "pigeon", "content": "c"}, "method"),
    ]:
        s.expect_error(clerk.command(ref, "feedback", body), 400, field=field)
    step = s.expect_answer(clerk.command(ref, "feedback", s.feedback_body()), 200, "CONCLUDED", 6, same_case=step)
    s.expect_error(clerk.command(ref, "no-objection", {"party": "both"}), 400, field="party")
    step = s.expect_answer(
        clerk.command(ref, "feedback", s.feedback_body("other_party")), 200, "FEEDBACK_GIVEN", 7, same_case=step
    )
    step = s.expect_answer(clerk.command(ref, "objection", s.objection_body()), 200, "OBJECTED", 8, same_case=step)
    legal = server.caller("legal")
    for body, field in [
        ({**s.remedy_body(), "remedy": "appeal"}, "remedy"),
        ({**s.remedy_body(), "act_known_on": "last week"}, "act_known_on"),
        ({**s.remedy_body(), "act_known_on": "2099-01-01"}, "act_known_on"),
        (_without(s.remedy_body(), "content"), "content"),
    ]:
        s.expect_error(legal.command(ref, "remedy-guidance", body), 400, field=field)
    s.expect_answer(legal.command(ref, "remedy-guidance", s.remedy_body()), 200, "OBJECTED", 9, same_case=step)


@pytest.mark.parametrize(
    "ref",
    ["GP-2026-999999", "GP-1999-000001", str(uuid.UUID(int=0)), "0f6b3c0e-8d1e-4c59-9a53-5a4f4f2b8a11", "no-such-case"],
)
def test_unknown_case_is_404(server: Server, ref: str) -> None:
    s.expect_error(server.caller("clerk", "tax").command(ref, "transfer", s.transfer_body()), 404)
    s.expect_error(server.caller("taskforce").command(ref, "deliberation", s.deliberation_body()), 404)


def test_same_idempotency_key_with_another_body_is_422_and_records_nothing(server: Server) -> None:
    clerk = server.caller("clerk", "tax")
    key = f"e2e-{uuid.uuid4()}"
    body = s.registration()
    first = s.expect_answer(clerk.register(body, key=key), 201, "ACCEPTED", 1)
    s.expect_error(clerk.register({**body, "summary": "另一件事"}, key=key), 422)
    # The first answer is still the one kept for the key, and no case was added.
    assert clerk.register(body, key=key).json() == first
    following = s.expect_answer(clerk.register(), 201, "ACCEPTED", 1)
    assert s.sequence_of(following["case_number"]) == s.sequence_of(first["case_number"]) + 1

    command_key = f"e2e-{uuid.uuid4()}"
    moved = s.expect_answer(
        clerk.command(first["id"], "transfer", s.transfer_body("hrss"), key=command_key), 200, "TRANSFERRED", 2
    )
    s.expect_error(clerk.command(first["id"], "transfer", s.transfer_body("tax"), key=command_key), 422)
    # The same key on another case is another request too.
    s.expect_error(clerk.command(following["id"], "transfer", s.transfer_body("hrss"), key=command_key), 422)
    s.expect_answer(
        server.caller("handler", "hrss").command(first["id"], "progress", s.progress_body()),
        200,
        "TRANSFERRED",
        3,
        same_case=moved,
    )
