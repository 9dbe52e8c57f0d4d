"""Helpers for the end-to-end tests: valid test data and checks of the contract's answers.

The identifiers are computed here from the published standards (GB 11643-1999, GB 32100-2015),
not with the application's own code, so that the tests do not share a bug with it.
"""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

SHANGHAI = timezone(timedelta(hours=8))
CASE_NUMBER = re.compile(r"^GP-(\d{4})-(\d{6})$")
ANSWER_KEYS = {"id", "case_number", "status", "version", "position"}

COMMAND_PATHS = [
    "resolve-on-spot",
    "transfer",
    "return",
    "progress",
    "conclude",
    "escalate",
    "deliberation",
    "feedback",
    "objection",
    "no-objection",
    "remedy-guidance",
    "archive",
]

_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_serial = itertools.count(100)


def resident_id(birth: str = "19850312", sequence: int | None = None, area: str = "140581") -> str:
    """A resident ID number with a correct ISO 7064 MOD 11-2 check character."""
    seq = next(_serial) % 1000 if sequence is None else sequence
    first17 = f"{area}{birth}{seq:03d}"
    total = sum(int(c) * w for c, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return first17 + _RESIDENT_CHECK[total % 11]


def wrong_check_char(valid: str, alphabet: str) -> str:
    """The same identifier with a different (wrong) check character."""
    replacement = next(c for c in alphabet if c != valid[-1])
    return valid[:-1] + replacement


def credit_code(serial: int | None = None) -> str:
    """A unified social credit code with a correct GB 32100-2015 check character."""
    n = next(_serial) if serial is None else serial
    first17 = f"91140581{n:09d}"
    total = sum(_CREDIT_ALPHABET.index(c) * (3**i % 31) for i, c in enumerate(first17))
    return first17 + _CREDIT_ALPHABET[(31 - total % 31) % 31]


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()


def today_in_gaoping() -> str:
    return now().astimezone(SHANGHAI).date().isoformat()


def registration(unit: str = "tax", **overrides: Any) -> dict[str, Any]:
    """A valid registration body for `unit`; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "channel": "hotline_12345",
        "received_at": iso(now() - timedelta(minutes=1)),
        "accepting_unit": unit,
        "payer": {"kind": "individual", "name": "张三", "id_number": resident_id(), "phone": "13800138000"},
        "category": "benefit",
        "summary": "养老保险缴费年限与记录不一致",
        "other_party": {"name": "高平市某煤业有限公司", "kind": "employer"},
        "external_ref": f"WO-{uuid.uuid4().hex[:10]}",
        "insurance_types": ["pension"],
        "people_involved": 1,
        "township": "140581101",
    }
    body.update(overrides)
    return body


# Valid bodies of every lifecycle command (an `at` may be added by the caller).
def resolve_body() -> dict[str, Any]:
    return {"result": "当场核对缴费记录并解释", "feedback_method": "in_person"}


def transfer_body(to_unit: str = "hrss") -> dict[str, Any]:
    return {"to_unit": to_unit, "note": "属待遇核定事项"}


def return_body() -> dict[str, Any]:
    return {"reason": "不属于本单位职责"}


def progress_body(note: str = "已调取缴费记录") -> dict[str, Any]:
    return {"note": note}


def conclude_body(outcome: str = "explained") -> dict[str, Any]:
    return {"outcome": outcome, "result": "已核实并说明政策"}


def escalate_body() -> dict[str, Any]:
    return {"reason": "涉及多部门，需专班研判"}


def deliberation_body(executing_unit: str = "finance") -> dict[str, Any]:
    return {
        "held_at": iso(now()),
        "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
        "minutes": "专班集体商议纪要",
        "written_opinion": "由执行单位依规办理",
        "executing_unit": executing_unit,
    }


def feedback_body(party: str = "payer") -> dict[str, Any]:
    return {"party": party, "method": "phone", "content": "电话告知办理结果"}


def objection_body() -> dict[str, Any]:
    return {"party": "payer", "content": "对结果有异议"}


def no_objection_body(party: str = "payer") -> dict[str, Any]:
    return {"party": party, "note": "电话确认对处理结果无异议"}


def remedy_body() -> dict[str, Any]:
    return {"remedy": "reconsideration", "content": "告知可申请行政复议", "act_known_on": today_in_gaoping()}


def sequence_of(case_number: str) -> int:
    m = CASE_NUMBER.match(case_number)
    assert m, f"case number {case_number!r} does not match GP-YYYY-NNNNNN"
    return int(m.group(2))


def expect_answer(
    response: httpx.Response,
    code: int,
    status: str,
    version: int | None = None,
    *,
    same_case: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A successful command answer as the contract describes it."""
    assert response.status_code == code, f"expected {code}, got {response.status_code}: {response.text}"
    body = response.json()
    assert isinstance(body, dict) and set(body) == ANSWER_KEYS, body
    assert body["status"] == status, body
    assert CASE_NUMBER.match(body["case_number"]), body
    assert str(uuid.UUID(body["id"])) == body["id"], body
    assert isinstance(body["version"], int) and body["version"] >= 1, body
    assert isinstance(body["position"], int) and body["position"] >= 1, body
    if version is not None:
        assert body["version"] == version, body
    if same_case is not None:
        assert (body["id"], body["case_number"]) == (same_case["id"], same_case["case_number"]), body
        assert body["position"] > same_case["position"], (body, same_case)
    return body


def expect_error(
    response: httpx.Response, code: int, *, field: str | None = None, status: str | None = None
) -> dict[str, Any]:
    """An error answer: RFC 9457 problem details with "error" and "detail"; the field or the
    case's status named."""
    assert response.status_code == code, f"expected {code}, got {response.status_code}: {response.text}"
    assert response.headers.get("content-type", "").startswith("application/problem+json"), response.headers
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == code, body
    assert isinstance(body.get("type"), str) and body["type"].startswith("urn:fengqiao:problem:"), body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert body.get("message") == body["detail"], body
    if field is not None:
        assert body.get("field") == field, body
        assert field in body["detail"], body
    if status is not None:
        assert body.get("case_status") == status, body
    return body
