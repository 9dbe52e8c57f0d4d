"""6. Security: the role × unit × operation matrix, token tampering, schema fuzzing, PII exposure.

The expected answers are written here from the contract's role table (shared/docs/api-contract.md
"Roles", README "The API in brief"), not taken from the product's own access module:

- taskforce, legal, auditor read every case; an integrator reads the cases it registered; a clerk
  or handler reads the cases its unit is involved in (accepting, handling, executing).
- a role that may never issue a command gets 403, whatever the case; a case outside the caller's
  reach (or unknown) gets 404; clerk commands need the case's accepting unit and handler commands
  its handling unit, else 403.
- ID numbers and phones come whole only to legal staff and to the case's accepting and handling
  units (clerk or handler); everyone else gets them masked.

Every command in the matrix carries `"at": "2099-…"`: a caller that passes the access checks is
refused for the future date (400) or the case's status (409), so nothing is ever recorded and the
fixture cases keep their state.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt

from application import registry
from faults.harness import (
    COMMANDS,
    FUTURE,
    ROOT,
    Actor,
    Caller,
    Deployment,
    PiiScanner,
    Report,
    command_body,
    deployment,
    registration,
)
from interfaces.graphql.inputs import variables_for

NAME = "security"

# A clerk may escalate a special matter (the case's state decides when: ACCEPTED, never transferred)
# and the task force may transfer (a designation, after a second return): both pass the access
# checks and are answered by the case's state (409) when it does not allow them.
CLERK_COMMANDS = {"resolve-on-spot", "transfer", "feedback", "objection", "archive", "satisfaction", "risk-flag",
                  "escalate", "no-objection"}
HANDLER_COMMANDS = {"sign-for", "return", "progress", "conclude", "escalate", "risk-flag"}
TASKFORCE_COMMANDS = {"deliberation", "supervision-notice", "risk-flag", "transfer"}
LEGAL_COMMANDS = {"remedy-guidance"}
READ_ALL = {"taskforce", "legal", "auditor"}
ACCESS_LOG_ROLES = {"auditor", "taskforce", "legal"}
SUPERVISION_ROLES = {"taskforce", "auditor", "legal"}
PII_SEARCH_ROLES = {"legal", "clerk", "handler"}
WRONG_ID_NUMBER = "110105194912310011"  # a valid ID number that no fixture case's payer has
DOSSIER_ROLES = {"legal", "auditor", "taskforce", "clerk", "handler"}
MUTATION_OF = {spec.path: spec.operation for spec in registry.CASE_COMMANDS}  # the typed mutations
OUTCOME_CODE = {"Denied": "403", "NotFound": "404", "InvalidInput": "400", "NotAllowed": "409", "Conflict": "409",
                "CommandSuccess": "recorded", "Unavailable": "503"}
PASSED = {"400", "409"}  # past every access check; refused for the future date or the status: nothing recorded
STATUS_GATED = HANDLER_COMMANDS - {"risk-flag"}  # possible only in statuses that have a handling unit
CALLERS = [
    Actor("clerk", "tax", "m-clerk-tax"), Actor("clerk", "hrss", "m-clerk-hrss"),
    Actor("clerk", "finance", "m-clerk-finance"),
    Actor("handler", "tax", "m-handler-tax"), Actor("handler", "hrss", "m-handler-hrss"),
    Actor("handler", "finance", "m-handler-finance"),
    Actor("taskforce", None, "m-taskforce"), Actor("legal", None, "m-legal"), Actor("auditor", None, "m-auditor"),
    Actor("integrator", "tax", "m-int-a"), Actor("integrator", "tax", "m-int-b"), Actor("integrator", "hrss", "m-int-c"),
]
QUEUE_KINDS = ["TO_TRANSFER", "IN_HANDLING", "TO_DELIBERATE", "TO_FEEDBACK", "OBJECTED", "OVERDUE", "TO_DESIGNATE", "RISK"]


@dataclass
class Case:
    name: str
    accepting: str
    handling: str | None
    registered_by: Actor
    ref: str = ""  # external reference
    id: str = ""
    number: str = ""
    id_number: str = ""
    position: int = 0
    involved: set[str] = field(default_factory=set)
    returned_by: str | None = None  # a unit that handled the case and gave it back: it reads it masked


# --- the contract's table, as code -------------------------------------------------------------


def may_read(actor: Actor, case: Case | None) -> bool:
    if case is None:
        return False
    if actor.role in READ_ALL:
        return True
    if actor.role == "integrator":
        # its subject within its token's unit
        return (case.registered_by.role == "integrator" and case.registered_by.subject == actor.subject
                and case.accepting == actor.unit)
    return actor.role in ("clerk", "handler") and actor.unit in case.involved


def may_unmask(actor: Actor, case: Case) -> bool:
    return actor.role == "legal" or (actor.role in ("clerk", "handler") and actor.unit in (case.accepting, case.handling))


def role_may(actor: Actor, command: str) -> bool:
    return command in {"clerk": CLERK_COMMANDS, "handler": HANDLER_COMMANDS, "taskforce": TASKFORCE_COMMANDS,
                       "legal": LEGAL_COMMANDS}.get(actor.role, set())


def expect_command(actor: Actor, command: str, case: Case | None) -> set[str]:
    """The answers the contract allows."""
    if not role_may(actor, command):
        return {"403"}
    if not may_read(actor, case):
        return {"404"}
    assert case is not None
    if actor.role == "clerk" and actor.unit != case.accepting:
        return {"403"}
    if actor.role == "handler" and actor.unit != case.handling:
        # Not its unit's case. With no handling unit at all, the status may answer first (409):
        # none of these commands is possible in a status without a handling unit.
        return {"403", "409"} if case.handling is None and command in STATUS_GATED else {"403"}
    return PASSED


def expect_register(actor: Actor, unit: str) -> set[str]:
    return PASSED if actor.role in ("clerk", "integrator") and actor.unit == unit else {"403"}


def classify(code: int) -> str:
    return "recorded" if code in (200, 201) else str(code)


def known_bug(mismatch: str) -> str | None:
    """A mismatch explained by a bug reported with its own (xfail) test; none is open now."""
    return None


# --- fixtures ------------------------------------------------------------------------------------


def make_cases(dep: Deployment, scanner: PiiScanner) -> dict[str, Case]:
    clerk_tax = Actor("clerk", "tax", "m-clerk-tax")
    clerk_hrss = Actor("clerk", "hrss", "m-clerk-hrss")
    cases = {
        "A": Case("A (tax accepted, not transferred)", "tax", None, clerk_tax),
        "B": Case("B (tax accepted, hrss handles)", "tax", "hrss", clerk_tax),
        "C": Case("C (integrator m-int-a filed for tax, not transferred)", "tax", None,
                  Actor("integrator", "tax", "m-int-a")),
        "D": Case("D (hrss accepted, finance handles)", "hrss", "finance", clerk_hrss),
        "E": Case("E (tax accepted, hrss returned it)", "tax", None, clerk_tax, returned_by="hrss"),
    }
    for key, case in cases.items():
        caller = Caller(dep, case.registered_by, dep.token(case.registered_by), scanner=scanner)
        case.ref = f"sec-{key}-{uuid.uuid4().hex[:8]}"
        scanner.index.allow(case.ref, *(u for u in (case.accepting, case.handling) if u))
        body = registration(case.accepting, case.ref, scanner.index)
        case.id_number = body["payer"]["id_number"]
        r = caller.post("/api/v1/disputes", body)
        assert r.status_code == 201, r.text
        case.id, case.number, case.position = r.json()["id"], r.json()["case_number"], r.json()["position"]
        case.involved = {case.accepting}
        caller.close()
        if case.handling:
            clerk = Caller(dep, Actor("clerk", case.accepting, f"m-clerk-{case.accepting}"),
                           dep.token(Actor("clerk", case.accepting, f"m-clerk-{case.accepting}")), scanner=scanner)
            r = clerk.post(f"/api/v1/disputes/{case.id}/transfer", {"to_unit": case.handling, "note": "转办"})
            assert r.status_code == 200, r.text
            case.position = r.json()["position"]
            case.involved.add(case.handling)
            clerk.close()
        if case.returned_by:
            _transfer_and_return(dep, scanner, case, case.returned_by)
    return cases


def _transfer_and_return(dep: Deployment, scanner: PiiScanner, case: Case, unit: str) -> None:
    """The case goes to `unit` and comes back: `unit` stays involved (in reach) without seeing
    the payer whole, the position an oracle would attack from."""
    clerk = Actor("clerk", case.accepting, f"m-clerk-{case.accepting}")
    handler = Actor("handler", unit, f"m-handler-{unit}")
    for actor, action, body in ((clerk, "transfer", {"to_unit": unit, "note": "转办"}),
                                (handler, "return", {"reason": "不属于本单位职责"})):
        caller = Caller(dep, actor, dep.token(actor), scanner=scanner)
        r = caller.post(f"/api/v1/disputes/{case.id}/{action}", body)
        assert r.status_code == 200, r.text
        case.position = r.json()["position"]
        caller.close()
    case.involved.add(unit)


# --- the matrix ----------------------------------------------------------------------------------


class Matrix:
    def __init__(self, dep: Deployment, scanner: PiiScanner, cases: dict[str, Case]) -> None:
        self.dep = dep
        self.scanner = scanner
        self.cases = cases
        self.position = max(c.position for c in cases.values())
        self.callers = {a: Caller(dep, a, dep.token(a), scanner=scanner) for a in CALLERS}
        self.checked: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.mismatches: list[str] = []

    def close(self) -> None:
        for c in self.callers.values():
            c.close()

    def _expect(self, surface: str, what: str, actual: Any, expected: Any) -> None:
        self.checked[surface] += 1
        if actual != expected and not (isinstance(expected, set) and actual in expected):
            shown = "/".join(sorted(expected)) if isinstance(expected, set) else expected
            self.mismatches.append(f"{surface}: {what}: got {actual}, contract says {shown}")

    # -- commands --

    def _targets(self) -> list[tuple[str, Case | None]]:
        return [(c.number, c) for c in self.cases.values()] + [("GP-2026-999999", None)]

    def rest_commands(self) -> None:
        jobs: list[Callable[[], None]] = []
        for actor, caller in self.callers.items():
            for ref, case in self._targets():
                for command in COMMANDS:
                    jobs.append(lambda a=actor, c=caller, r=ref, k=case, m=command: self._rest_command(a, c, r, k, m))
            for unit in ("tax", "hrss"):
                jobs.append(lambda a=actor, c=caller, u=unit: self._rest_register(a, c, u))
            jobs.append(lambda a=actor, c=caller: self._units(a, c))
        self._run(jobs)

    def _rest_command(self, actor: Actor, caller: Caller, ref: str, case: Case | None, command: str) -> None:
        r = caller.post(f"/api/v1/disputes/{ref}/{command}", {**command_body(command), "at": FUTURE})
        got = classify(r.status_code)
        self.outcomes[f"REST {got}"] += 1
        self._expect("REST commands", f"{actor.label} {command} on {case.name if case else ref}", got,
                     expect_command(actor, command, case))

    def _rest_register(self, actor: Actor, caller: Caller, unit: str) -> None:
        body = {**registration(unit, f"sec-reg-{uuid.uuid4().hex[:8]}"), "at": FUTURE}
        r = caller.post("/api/v1/disputes", body)
        self._expect("REST commands", f"{actor.label} register for {unit}", classify(r.status_code),
                     expect_register(actor, unit))

    def _units(self, actor: Actor, caller: Caller) -> None:
        r = caller.post("/api/v1/units", {"code": "tax", "name": "税务局"})
        self._expect("REST commands", f"{actor.label} add unit", classify(r.status_code),
                     PASSED if actor.role == "taskforce" else {"403"})
        r = caller.get("/api/v1/units")
        self._expect("REST reads", f"{actor.label} list units", r.status_code, 200)

    def graphql_mutations(self) -> None:
        jobs: list[Callable[[], None]] = []
        for actor, caller in self.callers.items():
            for ref, case in self._targets():
                for command in COMMANDS:
                    jobs.append(lambda a=actor, c=caller, r=ref, k=case, m=command: self._mutation(a, c, r, k, m))
            for unit in ("tax", "hrss"):
                jobs.append(lambda a=actor, c=caller, u=unit: self._register_mutation(a, c, u))
        self._run(jobs)

    def _mutation(self, actor: Actor, caller: Caller, ref: str, case: Case | None, command: str) -> None:
        field_name = MUTATION_OF[command]
        spec = next(s for s in registry.CASE_COMMANDS if s.path == command)
        query = (f"mutation($id: String!, $input: {spec.input_name}!) {{ {field_name}(caseNumber: $id, input: $input) "
                 "{ __typename } }")
        r = caller.graphql(query, {"id": ref, "input": variables_for(spec.input, {**command_body(command), "at": FUTURE})})
        typename = ((r.json().get("data") or {}).get(field_name) or {}).get("__typename") if r.status_code == 200 else None
        got = OUTCOME_CODE.get(str(typename), f"HTTP {r.status_code} {typename}")
        self.outcomes[f"GraphQL {got}"] += 1
        self._expect("GraphQL mutations", f"{actor.label} {field_name} on {case.name if case else ref}", got,
                     expect_command(actor, command, case))

    def _register_mutation(self, actor: Actor, caller: Caller, unit: str) -> None:
        query = "mutation($input: RegisterInput!) { registerDispute(input: $input) { __typename } }"
        body = {**registration(unit, f"sec-reg-{uuid.uuid4().hex[:8]}"), "at": FUTURE}
        r = caller.graphql(query, {"input": variables_for(registry.REGISTER.input, body)})
        typename = ((r.json().get("data") or {}).get("registerDispute") or {}).get("__typename")
        self._expect("GraphQL mutations", f"{actor.label} registerDispute for {unit}",
                     OUTCOME_CODE.get(str(typename), str(typename)), expect_register(actor, unit))

    # -- reads --

    def reads(self, dossier: bool) -> None:
        jobs: list[Callable[[], None]] = []
        for actor, caller in self.callers.items():
            for case in self.cases.values():
                jobs.append(lambda a=actor, c=caller, k=case: self._case_reads(a, c, k))
                if dossier:
                    jobs.append(lambda a=actor, c=caller, k=case: self._dossier(a, c, k))
            jobs.append(lambda a=actor, c=caller: self._lists(a, c))
        self._run(jobs)

    def _gql(self, caller: Caller, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        r = caller.graphql(query, variables, position=self.position, reason="fault-suite access matrix")
        if r.status_code != 200:
            return {"data": None, "errors": [{"extensions": {"code": f"HTTP {r.status_code}"}}]}
        return dict(r.json())

    @staticmethod
    def _codes(body: dict[str, Any]) -> set[str]:
        return {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []}

    def _case_reads(self, actor: Actor, caller: Caller, case: Case) -> None:
        readable = may_read(actor, case)
        what = f"{actor.label} on {case.name}"
        body = self._gql(caller, """query($n: String!) {
            dispute(caseNumber: $n) { caseNumber payer { idNumber phone name unmasked } otherParty { contact } }
            timeline(caseNumber: $n) { caseNumber events { sequence type data } } }""", {"n": case.number})
        data = body.get("data") or {}
        self._expect("GraphQL dispute", what, data.get("dispute") is not None, readable)
        self._expect("GraphQL timeline", what, data.get("timeline") is not None, readable)
        if data.get("dispute") is not None:
            self._expect("GraphQL personal data", f"{what}: payer unmasked", data["dispute"]["payer"]["unmasked"],
                         may_unmask(actor, case))
        body = self._gql(caller, "query($n: String!) { verifyCase(caseNumber: $n) { valid events } }",
                         {"n": case.number})
        got = "ok" if (body.get("data") or {}).get("verifyCase") else "/".join(sorted(self._codes(body)))
        self._expect("GraphQL verifyCase", what, got, "ok" if readable else "NOT_FOUND")
        body = self._gql(caller, """query($r: String!) { disputes(filter: {externalRef: $r}) {
            totalCount edges { node { caseNumber payer { idNumber phone } } } } }""", {"r": case.ref})
        page = (body.get("data") or {}).get("disputes") or {}
        self._expect("GraphQL disputes", f"{what}: totalCount / edges", (page.get("totalCount"), len(page.get("edges", []))),
                     (1, 1) if readable else (0, 0))
        right, wrong = (self._search(caller, "payerIdNumber", value) for value in (case.id_number, WRONG_ID_NUMBER))
        expected_search: Any = (1 if may_unmask(actor, case) else 0) if actor.role in PII_SEARCH_ROLES else "FORBIDDEN"
        self._expect("GraphQL disputes by payer ID", what, right, expected_search)
        # The oracle: a caller that sees the payer masked (or not at all) learns nothing from
        # trying the right number against a wrong one; only those who see it whole tell them apart.
        self._expect("GraphQL search oracle", f"{what}: right and wrong ID number answer alike", right == wrong,
                     not may_unmask(actor, case))

    def _search(self, caller: Caller, field: str, value: str) -> Any:
        body = self._gql(caller, f"query($v: String!) {{ disputes(filter: {{{field}: $v}}, first: 0) {{ totalCount }} }}",
                         {"v": value})
        count = ((body.get("data") or {}).get("disputes") or {}).get("totalCount")
        return count if count is not None else "/".join(sorted(self._codes(body)))

    def _dossier(self, actor: Actor, caller: Caller, case: Case) -> None:
        r = caller.client.get(f"/api/v1/disputes/{case.number}/dossier",
                              headers=caller.headers(None, {"X-Access-Reason": "fault suite"}))
        if "json" in r.headers.get("content-type", ""):
            self.scanner.response(actor, f"GET dossier {case.number}", r.text)
        got = {200: "ok", 503: "ok"}.get(r.status_code, str(r.status_code))
        expected = "403" if actor.role not in DOSSIER_ROLES else ("ok" if may_read(actor, case) else "404")
        self._expect("REST dossier", f"{actor.label} on {case.name}", got, expected)

    def _lists(self, actor: Actor, caller: Caller) -> None:
        visible = {c.ref for c in self.cases.values() if may_read(actor, c)}
        body = self._gql(caller, "{ disputes(first: 200) { totalCount edges { node { externalRef payer { idNumber } } } } }")
        page = (body.get("data") or {}).get("disputes") or {}
        refs = {e["node"]["externalRef"] for e in page.get("edges", [])}
        self._expect("GraphQL disputes", f"{actor.label}: every case listed", (page.get("totalCount"), refs),
                     (len(visible), visible))
        for unit in ("tax", "hrss", "finance", "taskforce"):
            query = "{ " + " ".join(f"{k.lower()}: queue(unit: \"{unit}\", kind: {k}, first: 500) "
                                    "{ edges { node { externalRef payer { phone } } } }"
                                    for k in QUEUE_KINDS) + " }"
            body = self._gql(caller, query)
            seen = {e["node"]["externalRef"] for page in (body.get("data") or {}).values() for e in (page or {}).get("edges", [])}
            self._expect("GraphQL queue", f"{actor.label}: queues of {unit} within reach", seen - visible, set())
            self._expect("GraphQL queue", f"{actor.label}: queues of {unit} answered", self._codes(body), set())
        body = self._gql(caller, '{ supervision(from: "2020-01-01", to: "2030-12-31") { received units { unit received } } }')
        got = "ok" if (body.get("data") or {}).get("supervision") else "/".join(sorted(self._codes(body)))
        self._expect("GraphQL supervision", actor.label, got, "ok" if actor.role in SUPERVISION_ROLES else "FORBIDDEN")
        body = self._gql(caller, "{ accessLog { id subject caseNumber fields } }")
        got = "ok" if (body.get("data") or {}).get("accessLog") is not None else "/".join(sorted(self._codes(body)))
        self._expect("GraphQL accessLog", actor.label, got, "ok" if actor.role in ACCESS_LOG_ROLES else "FORBIDDEN")

    @staticmethod
    def _run(jobs: list[Callable[[], None]], workers: int = 8) -> None:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(j) for j in jobs]:
                future.result()


def run_matrix(dep: Deployment, scanner: PiiScanner, *, dossier: bool = False) -> dict[str, Any]:
    cases = make_cases(dep, scanner)
    head_before = dep.head()
    matrix = Matrix(dep, scanner, cases)
    try:
        matrix.rest_commands()
        matrix.graphql_mutations()
        matrix.reads(dossier)
    finally:
        matrix.close()
    recorded = dep.head() - head_before
    known = [m for m in matrix.mismatches if known_bug(m)]
    return {"checked": dict(matrix.checked), "mismatches": matrix.mismatches, "outcomes": dict(matrix.outcomes),
            "unexplained": [m for m in matrix.mismatches if not known_bug(m)], "known bugs": known,
            "recorded by the matrix": recorded, "cases": cases}


def risk_flag_by_a_handler_not_handling(dep: Deployment) -> list[str]:
    """Real writes (no future date): handlers flag risk on cases their unit does not handle."""
    clerk = dep.caller("clerk", "tax", "rf-clerk")
    accepted = clerk.post("/api/v1/disputes", registration("tax", f"rf-{uuid.uuid4().hex[:8]}")).json()
    returned = clerk.post("/api/v1/disputes", registration("tax", f"rf-{uuid.uuid4().hex[:8]}")).json()
    assert clerk.post(f"/api/v1/disputes/{returned['id']}/transfer", command_body("transfer")).status_code == 200
    clerk.close()
    hrss = dep.caller("handler", "hrss", "rf-hrss")
    assert hrss.post(f"/api/v1/disputes/{returned['id']}/return", command_body("return")).status_code == 200
    tax = dep.caller("handler", "tax", "rf-tax")
    recorded = []
    for who, caller, case in (("handler@tax on a tax case nobody handles", tax, accepted),
                              ("handler@hrss on the case it returned", hrss, returned)):
        r = caller.post(f"/api/v1/disputes/{case['id']}/risk-flag", {**command_body("risk-flag"), "level": "high"})
        if r.status_code in (200, 201):
            recorded.append(f"{who}: {r.status_code} {r.text[:120]}")
    tax.close()
    hrss.close()
    return recorded


# --- tokens --------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered_tokens(dep: Deployment) -> dict[str, str | None]:
    warnings.filterwarnings("ignore", category=jwt.warnings.InsecureKeyLengthWarning)
    secret = dep.secret.encode()
    now = int(time.time())
    claims = {"iss": "fengqiao", "sub": "forger", "role": "taskforce", "iat": now, "exp": now + 600,
              "jti": uuid.uuid4().hex}
    good = dep.token(Actor("clerk", "tax", "tamper-clerk"))
    header, payload, signature = good.split(".")
    raised = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raised["role"] = "taskforce"
    raised.pop("unit", None)
    return {
        "no Authorization header": None,
        "garbage": "garbage",
        "not a bearer scheme": "BASIC " + good,
        "empty bearer": "",
        "alg none": f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}.",
        "alg none, signature kept": f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{payload}.{signature}",
        "wrong signature (other secret)": jwt.encode(claims, b"not-the-secret-" * 3, algorithm="HS256"),
        "payload raised to taskforce, signature kept": f"{header}.{_b64(json.dumps(raised).encode())}.{signature}",
        "signature cut": f"{header}.{payload}.",
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"),
        "HS512 with the right secret": jwt.encode(claims, secret, algorithm="HS512"),
        "no exp": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret, algorithm="HS256"),
        "wrong issuer": jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256"),
        "role system": jwt.encode({**claims, "role": "system"}, secret, algorithm="HS256"),
        "unknown role": jwt.encode({**claims, "role": "admin"}, secret, algorithm="HS256"),
        "clerk without unit": jwt.encode({**claims, "role": "clerk"}, secret, algorithm="HS256"),
        "not yet valid (nbf)": jwt.encode({**claims, "nbf": now + 3600}, secret, algorithm="HS256"),
        "two tokens": f"{good} {good}",
    }


def _is_401_answer(path: str, r: httpx.Response) -> bool:
    """REST answers problem details; /graphql a GraphQL error coded UNAUTHENTICATED."""
    try:
        body = r.json()
    except ValueError:
        return False
    if path == "/graphql":
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        return r.headers.get("content-type", "").startswith("application/json") and codes == ["UNAUTHENTICATED"]
    return (
        r.headers.get("content-type", "").startswith("application/problem+json")
        and body.get("error") == "unauthorized"
        and isinstance(body.get("detail"), str)
    )


def token_checks(dep: Deployment, case_ref: str, scanner: PiiScanner | None = None) -> dict[str, Any]:
    targets: list[tuple[str, str, Any]] = [
        ("POST", "/api/v1/disputes", registration("tax", f"tamper-{uuid.uuid4().hex[:6]}", scanner.index if scanner else None)),
        ("POST", f"/api/v1/disputes/{case_ref}/progress", command_body("progress")),
        ("POST", f"/api/v1/disputes/{case_ref}/transfer", command_body("transfer")),
        ("GET", "/api/v1/units", None),
        ("POST", "/api/v1/units", {"code": "forged_unit", "name": "伪造"}),
        ("GET", f"/api/v1/disputes/{case_ref}/dossier", None),
        ("POST", "/graphql", {"query": "{ disputes { totalCount } accessLog { id } }"}),
        ("POST", "/graphql", {"query": "mutation($id: String!) { recordProgress(id: $id, input: {note: \"x\"}) "
                                       "{ __typename } }", "variables": {"id": case_ref}}),
    ]
    head_before = dep.head()
    wrong: list[str] = []
    sent = 0
    with httpx.Client(base_url=dep.url, timeout=30) as client:
        for label, token in tampered_tokens(dep).items():
            if token is None:
                headers = {}
            elif label in ("not a bearer scheme", "empty bearer"):
                headers = {"Authorization": token or "Bearer"}
            else:
                headers = {"Authorization": f"Bearer {token}"}
            for method, path, body in targets:
                r = client.request(method, path, json=body, headers=headers)
                sent += 1
                if scanner is not None:
                    scanner.response(None, f"{method} {path} ({label})", r.text)
                ok = r.status_code == 401 and _is_401_answer(path, r)
                if not ok:
                    wrong.append(f"{label}: {method} {path} -> {r.status_code} {r.text[:150]}")
    return {"requests": sent, "variants": len(tampered_tokens(dep)), "not 401": wrong,
            "recorded": dep.head() - head_before}


# --- fuzzing -------------------------------------------------------------------------------------


def _fuzz_settings(max_examples: int) -> Any:
    from hypothesis import HealthCheck, Phase, settings

    return settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def schemathesis_rest(dep: Deployment, refs: list[str], scanner: PiiScanner, examples: int) -> dict[str, Any]:
    import requests
    import schemathesis
    from hypothesis import given
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable

    schema = schemathesis.openapi.from_url(f"{dep.url}/schema/openapi.json")
    role_of = {
        "registerDispute": ("clerk", "tax"), "resolveOnSpotDispute": ("clerk", "tax"), "transferDispute": ("clerk", "tax"),
        "giveFeedbackDispute": ("clerk", "tax"), "raiseObjectionDispute": ("clerk", "tax"), "archiveDispute": ("clerk", "tax"),
        "flagRiskDispute": ("clerk", "tax"), "recordSatisfactionDispute": ("clerk", "tax"),
        "signForDispute": ("handler", "hrss"), "returnDispute": ("handler", "hrss"),
        "recordProgressDispute": ("handler", "hrss"), "concludeDispute": ("handler", "hrss"),
        "escalateDispute": ("handler", "hrss"), "recordDeliberationDispute": ("taskforce", None),
        "issueSupervisionNoticeDispute": ("taskforce", None), "addUnit": ("taskforce", None),
        "giveRemedyGuidanceDispute": ("legal", None), "downloadDossier": ("auditor", None),
        "getDispute": ("auditor", None),
        "confirmNoObjectionDispute": ("clerk", "tax"),
    }
    codes: Counter[int] = Counter()
    errors: list[str] = []
    operations = 0
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        op_id = operation.definition.raw.get("operationId", "")
        role, unit = role_of.get(op_id, ("auditor", None))
        actor = Actor(role, unit, f"st-{role}")
        headers = {"Authorization": f"Bearer {dep.token(actor)}"}
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            if "{id}" in operation.path:
                strategy = st.one_of(
                    st.sampled_from(refs).flatmap(lambda ref, m=mode, o=operation: o.as_strategy(m, path_parameters={"id": ref})),
                    operation.as_strategy(mode),
                )
            else:
                strategy = operation.as_strategy(mode)

            def make(strategy: Any, headers: dict[str, str], actor: Actor) -> Callable[[], None]:
                @_fuzz_settings(examples)
                @given(case=strategy)
                def call(case: Any) -> None:
                    try:
                        response = case.call(base_url=dep.url, headers=headers, session=session, timeout=30)
                    except (requests.exceptions.InvalidHeader, ValueError, UnicodeError):
                        return
                    codes[response.status_code] += 1
                    if "/dossier" not in case.formatted_path:  # a zip; its PDF is not text to scan
                        scanner.response(actor, f"schemathesis {case.method} {case.formatted_path}", response.text)
                    if response.status_code >= 500 and response.status_code != 503 and len(errors) < 20:
                        errors.append(f"{case.method} {case.formatted_path} {str(case.body)[:200]} -> "
                                      f"{response.status_code} {response.text[:200]}")

                return call

            try:
                make(strategy, headers, actor)()
            except Unsatisfiable:
                pass
    session.close()
    return {"operations": operations, "requests": sum(codes.values()), "codes": dict(codes), "5xx": errors}


def _json_node(value: Any) -> Any:
    import graphql

    if isinstance(value, dict):
        return graphql.ObjectValueNode(fields=tuple(
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_json_node(v)) for k, v in value.items()))
    if isinstance(value, list):
        return graphql.ListValueNode(values=tuple(_json_node(v) for v in value))
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if value is None:
        return graphql.NullValueNode()
    return graphql.StringValueNode(value=str(value))


def _json_scalar() -> Any:
    """Values for the JSON scalar (the mutations' `input`): valid bodies, bodies with one field replaced,
    and arbitrary objects."""
    from hypothesis import strategies as st

    leaves = (st.none() | st.booleans() | st.integers(-2**31, 2**31 - 1) | st.floats(allow_nan=False, allow_infinity=False)
              | st.text(max_size=20) | st.sampled_from(["", FUTURE, "2024-10-08", "hrss", "payer", "explained", "x" * 9000]))
    names = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
                          max_leaves=8)
    valid = st.sampled_from([*COMMANDS, "register"]).map(
        lambda c: registration("tax", f"gf-{uuid.uuid4().hex[:8]}") if c == "register" else command_body(c))

    def replace(body: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
        return {**body, key: value}

    mutated = st.builds(replace, valid, names | st.sampled_from(["at", "to_unit", "party", "payer", "note"]), values)
    return st.one_of(valid, mutated, st.dictionaries(names, values, max_size=5)).map(_json_node)


def graphql_fuzz(dep: Deployment, scanner: PiiScanner, examples: int) -> dict[str, Any]:
    import requests
    import schemathesis
    from hypothesis import given

    schemathesis.graphql.scalar("JSON", _json_scalar())

    schema = schemathesis.graphql.from_path(str(ROOT / "schema.graphql"))
    roles = [Actor("auditor", None, "gf-auditor"), Actor("clerk", "tax", "gf-clerk"), Actor("legal", None, "gf-legal"),
             Actor("taskforce", None, "gf-taskforce"), Actor("handler", "hrss", "gf-handler"),
             Actor("integrator", "tax", "gf-int")]
    codes: Counter[str] = Counter()
    internal: list[str] = []
    operations = 0
    session = requests.Session()
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        operations += 1
        actor = roles[index % len(roles)]
        headers = {"Authorization": f"Bearer {dep.token(actor)}"}

        def make(strategy: Any, headers: dict[str, str], actor: Actor, label: str) -> Callable[[], None]:
            @_fuzz_settings(examples)
            @given(case=strategy)
            def call(case: Any) -> None:
                response = case.call(base_url=f"{dep.url}/graphql", headers=headers, session=session, timeout=30)
                codes[str(response.status_code)] += 1
                scanner.response(actor, f"graphql fuzz {label}", response.text)
                if response.status_code >= 500:
                    internal.append(f"{label}: HTTP {response.status_code} {str(case.body)[:200]}")
                    return
                try:
                    body = response.json()
                except ValueError:
                    return
                for error in (body.get("errors") or []) if isinstance(body, dict) else []:
                    code = (error.get("extensions") or {}).get("code")
                    codes[f"error {code}"] += 1
                    if code == "INTERNAL" and len(internal) < 20:
                        internal.append(f"{label}: INTERNAL {error.get('message')!r} for {str(case.body)[:300]}")

            return call

        make(operation.as_strategy(), headers, actor, operation.label)()
    session.close()
    return {"operations": operations, "requests": sum(v for k, v in codes.items() if k.isdigit()), "codes": dict(codes),
            "internal": internal}


# --- the scenario --------------------------------------------------------------------------------


def run(report: Report, workdir: Path, scanner: PiiScanner, *, dossier: bool = True,
        fuzz_examples: int = 25) -> dict[str, Any]:
    name = NAME
    with deployment(workdir) as dep:
        started = time.monotonic()
        matrix = run_matrix(dep, scanner, dossier=dossier)
        report.timings["security: matrix"] = time.monotonic() - started
        checked = matrix["checked"]
        report.add(name, "role × unit × operation checks", sum(checked.values()))
        for surface, n in sorted(checked.items()):
            report.add(name, f"  {surface}", n)
        report.check(name, "answers beyond the contract's role table", len(matrix["mismatches"]), 0)
        report.add(name, "  of which explained by the risk-flag bug", len(matrix["known bugs"]))
        oracle = [m for m in matrix["mismatches"] if m.startswith("GraphQL search oracle")]
        report.add(name, "search oracle: (caller, case) pairs tried", checked.get("GraphQL search oracle", 0))
        report.check(name, "search oracle: answers beyond the contract (a masked caller told right from wrong)", len(oracle), 0)
        flagged = risk_flag_by_a_handler_not_handling(dep)
        report.check(name, "risk flags recorded by a handler whose unit does not handle the case", len(flagged), 0)
        report.detail(f"{name}: risk flag", flagged)
        report.check(name, "events recorded by the matrix (all refused)", matrix["recorded by the matrix"], 0)
        report.detail(f"{name}: matrix", matrix["mismatches"], limit=60)

        case_ref = matrix["cases"]["B"].number
        tokens = token_checks(dep, case_ref, scanner)
        report.add(name, "tampered-token variants × endpoints", f"{tokens['variants']} × "
                   f"{tokens['requests'] // tokens['variants']} = {tokens['requests']}")
        report.check(name, "tampered tokens not answered 401 (JSON)", len(tokens["not 401"]), 0)
        report.check(name, "events recorded with tampered tokens", tokens["recorded"], 0)
        report.detail(f"{name}: tokens", tokens["not 401"])

        if fuzz_examples:
            refs = [c.number for c in matrix["cases"].values()] + [c.id for c in matrix["cases"].values()]
            started = time.monotonic()
            st_rest = schemathesis_rest(dep, refs, scanner, fuzz_examples)
            report.timings["security: schemathesis REST"] = time.monotonic() - started
            report.add(name, "schemathesis REST: operations / requests", f"{st_rest['operations']} / {st_rest['requests']}")
            report.add(name, "schemathesis REST: answers by code", dict(sorted(st_rest["codes"].items())))
            report.check(name, "schemathesis REST: 5xx answers", len(st_rest["5xx"]), 0)
            report.detail(f"{name}: schemathesis REST", st_rest["5xx"])
            started = time.monotonic()
            gf = graphql_fuzz(dep, scanner, fuzz_examples)
            report.timings["security: GraphQL fuzz"] = time.monotonic() - started
            report.add(name, "GraphQL fuzz: root fields / requests", f"{gf['operations']} / {gf['requests']}")
            report.add(name, "GraphQL fuzz: answers and error codes", dict(sorted(gf["codes"].items())))
            report.check(name, "GraphQL fuzz: HTTP 5xx or INTERNAL errors", len(gf["internal"]), 0)
            report.detail(f"{name}: GraphQL fuzz", gf["internal"])
        hostile_input(report, dep)
        dossiers_and_oracle(report, dep)
    return {"matrix": matrix, "tokens": tokens}


def hostile_input(report: Report, dep: Deployment) -> None:
    from faults import security_inputs

    started = time.monotonic()
    inputs = security_inputs.run_inputs(dep)
    report.timings["security: hostile input"] = time.monotonic() - started
    report.add(NAME, "hostile input (control characters, JSON > 32 levels, extreme dates): requests",
               inputs["total"])
    for kind, n in sorted(inputs["requests"].items()):
        report.add(NAME, f"  {kind}", n)
    report.check(NAME, "hostile input: 5xx answers or INTERNAL errors", len(inputs["5xx"]), 0)
    report.check(NAME, "hostile input: control characters not refused with a 400 naming the field",
                 len(inputs["control not named"]), 0)
    report.check(NAME, "hostile input: events recorded", inputs["recorded"], 0)
    report.detail(f"{NAME}: hostile input", inputs["5xx"] + inputs["control not named"])


def dossiers_and_oracle(report: Report, dep: Deployment) -> None:
    from faults import security_dossiers

    started = time.monotonic()
    result = security_dossiers.run_dossiers_and_oracle(dep)
    report.timings["security: dossier scan and name oracle"] = time.monotonic() - started
    scan, oracle = result["scan"], result["oracle"]
    report.add(NAME, "dossier scan: dossiers / files / MB read", f"{scan.dossiers} / {scan.files} / "
               f"{scan.bytes / 1e6:.1f}")
    report.add(NAME, "dossier scan: whole values found where the role may see them", scan.whole_where_allowed)
    report.check(NAME, "dossier scan: whole ID numbers, phones or names a role may not see", len(scan.leaks), 0)
    report.check(NAME, "dossier scan: downloads answered otherwise than the contract says", len(scan.refused), 0)
    report.add(NAME, "search oracle (names and ID numbers, GraphQL and console): masked pairs / requests",
               f"{oracle.pairs} / {oracle.requests}")
    report.check(NAME, "search oracle: bits learnt by a masked caller", len(oracle.bits), 0)
    report.detail(f"{NAME}: dossiers and oracle", scan.leaks + scan.refused + oracle.bits)


def pii_figures(report: Report, scanner: PiiScanner, log_paths: list[Path], name: str = "PII scan") -> None:
    scanner.logs(log_paths)
    in_logs = [f for f in scanner.leaks if f.actor == "log"]
    in_answers = [f for f in scanner.leaks if f.actor != "log"]
    report.add(name, "response bodies scanned", scanner.scanned)
    report.add(name, "server/worker log lines scanned", scanner.log_lines)
    report.add(name, "whole ID numbers / phones seen (all callers)", scanner.matches)
    report.check(name, "whole ID numbers / phones shown to a caller who may not see them", len(in_answers), 0)
    report.check(name, "whole ID numbers / phones in server logs", len(in_logs), 0)
    report.add(name, "matches not registered by the suite (inputs echoed?)", len(scanner.unattributed))
    report.detail(name, [f"{f.where} [{f.actor}] {f.value[:6]}…" for f in scanner.leaks + scanner.unattributed])

