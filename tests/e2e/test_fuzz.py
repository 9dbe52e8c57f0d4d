"""Schema-driven fuzzing: no answer is a 500, and every error is JSON with "error" and "message".

1. schemathesis reads /schema/openapi.json from the running server and generates valid and
   invalid requests for every operation (bounded per operation), sent with a token of a role
   that may use the operation and, for `{id}`, mostly the ids of real cases in several statuses.
2. hypothesis mutates valid bodies of every command (drop / replace / add fields, arbitrary JSON,
   arbitrary bytes) and sends them to real cases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from tests.e2e import support as s
from tests.e2e.conftest import Server, case_in

EXAMPLES_PER_OPERATION = 8  # per generation mode; keeps the run well under a minute
MUTATIONS = 150

# Who may use each operation (so that generated requests get past authentication).
CLERK_OPS = {
    "registerDispute",
    "resolveOnSpotDispute",
    "transferDispute",
    "giveFeedbackDispute",
    "raiseObjectionDispute",
    "confirmNoObjectionDispute",
    "archiveDispute",
    "flagRiskDispute",
    "recordSatisfactionDispute",
}
HANDLER_OPS = {"signForDispute", "returnDispute", "recordProgressDispute", "concludeDispute", "escalateDispute"}
TASKFORCE_OPS = {"recordDeliberationDispute", "issueSupervisionNoticeDispute", "addUnit", "listUnits"}
LEGAL_OPS = {"giveRemedyGuidanceDispute"}


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _problem(method: str, path: str, sent: Any, response: httpx.Response | requests.Response) -> str | None:
    """What is wrong with an answer, or None."""
    code = response.status_code
    raw = response.content
    where = f"{method} {path} body={sent!r:.300} -> {code} {raw[:300]!r}"
    if path == "/ready" and code in (200, 503):
        return None  # 503 while the projections catch up is the probe's designed answer
    if code >= 500 and code != 503:
        return where  # 503 (store or read models unavailable) must still be a JSON error body
    is_command = path.startswith("/api/v1/disputes") and method == "POST"
    if code < 400 and not is_command:
        return None  # a read may answer in any media type (e.g. a dossier document)
    try:
        body = json.loads(raw)
    except ValueError:
        return f"not JSON: {where}"
    if code >= 400:
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str)):
            return f"error body without error/message: {where}"
    elif not isinstance(body, dict) or set(body) != s.ANSWER_KEYS:
        return f"answer keys {sorted(body) if isinstance(body, dict) else body!r}: {where}"
    return None


def _fuzz(
    strategy: st.SearchStrategy[schemathesis.Case],
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    sent: list[int],
    problems: list[str],
) -> Callable[[], None]:
    @_settings(EXAMPLES_PER_OPERATION)
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        try:
            response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
        except (requests.exceptions.InvalidHeader, ValueError, UnicodeError):
            return  # the client library refuses to send it; nothing reached the server
        sent.append(response.status_code)
        problem = _problem(case.method.upper(), case.formatted_path, case.body, response)
        if problem is not None and len(problems) < 20:
            problems.append(problem)

    return run


def _fixtures(server: Server) -> list[str]:
    refs = []
    for status in ("ACCEPTED", "TRANSFERRED", "ESCALATED", "OBJECTED"):
        case = case_in(server, status)
        refs += [case["case_number"], case["id"]]
    return refs


def test_schemathesis_finds_no_server_error(server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/schema/openapi.json")
    refs = _fixtures(server)
    tokens = {
        "clerk": server.token("clerk", "tax"),
        "handler": server.token("handler", "hrss"),
        "taskforce": server.token("taskforce"),
        "legal": server.token("legal"),
    }
    problems: list[str] = []
    skipped: list[str] = []
    sent: list[int] = []
    operations = 0
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if not (operation.path.startswith("/api/") or operation.path in ("/health", "/ready")):
            continue  # GraphQL has its own tests; this module fuzzes the REST commands
        operations += 1
        op_id = operation.definition.raw.get("operationId", "")
        role = (
            "clerk"
            if op_id in CLERK_OPS
            else "handler"
            if op_id in HANDLER_OPS
            else "taskforce"
            if op_id in TASKFORCE_OPS
            else "legal"
            if op_id in LEGAL_OPS
            else None
            if operation.path in ("/health", "/ready")
            else "legal"  # anything else (e.g. reads added later): a role that reads everything
        )
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            if "{id}" in operation.path:
                strategy = st.one_of(
                    st.sampled_from(refs).flatmap(
                        lambda ref, m=mode, o=operation: o.as_strategy(m, path_parameters={"id": ref})
                    ),
                    operation.as_strategy(mode),
                )
            else:
                strategy = operation.as_strategy(mode)

            run = _fuzz(strategy, server.url, headers, session, sent, problems)
            try:
                run()
            except Unsatisfiable:
                # Nothing to make invalid (e.g. GET /health has no parameters at all).
                assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
                if len(operation.body) or not operation.label.startswith("POST"):
                    skipped.append(operation.label)  # a POST with no body at all (rotate-secret) has nothing to break
    session.close()
    assert operations >= 13, f"only {operations} REST operations in the OpenAPI document"
    assert not problems, "\n".join(problems)
    assert not [label for label in skipped if label.startswith("POST")], f"no invalid requests for {skipped}"
    assert len(sent) >= operations * EXAMPLES_PER_OPERATION, len(sent)
    assert any(200 <= code < 300 for code in sent), "no generated request was accepted"


# --- mutations of valid bodies ------------------------------------------------------------

VALID: dict[str, tuple[str, str | None, Any]] = {
    "resolve-on-spot": ("clerk", "tax", s.resolve_body),
    "transfer": ("clerk", "tax", s.transfer_body),
    "return": ("handler", "hrss", s.return_body),
    "progress": ("handler", "hrss", s.progress_body),
    "conclude": ("handler", "hrss", s.conclude_body),
    "escalate": ("handler", "hrss", s.escalate_body),
    "deliberation": ("taskforce", None, s.deliberation_body),
    "feedback": ("clerk", "tax", s.feedback_body),
    "objection": ("clerk", "tax", s.objection_body),
    "remedy-guidance": ("legal", None, s.remedy_body),
    "archive": ("clerk", "tax", dict),
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            " ",
            "2026-11-26T10:00:00+08:00",
            "2099-01-01T00:00:00Z",
            "2026-11-26",
            "GP-2026-000001",
            "hrss",
            "payer",
            "explained",
            "\u0000",
            "x" * 9000,
        ]
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@st.composite
def mutated(draw: st.DrawFn, command: str) -> tuple[str, bytes]:
    """(command, raw body) — a valid body with one mutation, or garbage."""
    body: Any = VALID[command][2]()
    kind = draw(st.sampled_from(["drop", "replace", "add", "whole", "bytes", "nest"]))
    if kind == "drop" and body:
        body.pop(draw(st.sampled_from(sorted(body))))
    elif kind == "replace" and body:
        body[draw(st.sampled_from(sorted(body)))] = draw(json_values)
    elif kind == "add":
        body[draw(st.sampled_from(["at", "id", "status", "version", "extra", ""]))] = draw(json_values)
    elif kind == "whole":
        body = draw(json_values)
    elif kind == "nest":
        body = {"data": body}
    if kind == "bytes":
        return command, draw(st.binary(max_size=64))
    return command, json.dumps(body).encode()


def test_mutated_bodies_find_no_server_error(server: Server) -> None:
    refs = _fixtures(server)
    problems: list[str] = []
    sent: list[int] = []

    @_settings(MUTATIONS)
    @given(data=st.sampled_from(sorted(VALID)).flatmap(mutated), ref=st.sampled_from(refs))
    def run(data: tuple[str, bytes], ref: str) -> None:
        command, raw = data
        role, unit, _ = VALID[command]
        response = server.caller(role, unit).post(f"/api/v1/disputes/{ref}/{command}", content=raw)
        sent.append(response.status_code)
        problem = _problem("POST", f"/api/v1/disputes/{ref}/{command}", raw, response)
        if problem is not None and len(problems) < 20:
            problems.append(problem)

    run()
    assert not problems, "\n".join(problems)
    assert len(sent) >= MUTATIONS // 2, len(sent)
