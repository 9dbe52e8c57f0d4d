"""Security suite: input that cannot hurt later (issue 13, item 6).

Control characters, JSON deeper than the service's 32 levels and dates no calendar of ours holds,
sent to every REST command path, every GraphQL argument (the typed mutations' inputs, the 1.0
JSON mutations, every argument of every query field, read from schema.graphql) and every console
form field (read from the console's own pages). What must hold: no answer is a 5xx (or a GraphQL
INTERNAL error), nothing is recorded, and control characters are refused with a 400 that names
the field.

Each variant is sent by a caller the command's roles admit, on a case in a status where the
command could pass, so the answer is the input's judgement and not an access refusal.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from application import registry
from faults.harness import ROOT, Actor, Deployment, command_body, registration
from interfaces.graphql.inputs import variables_for

CONTROL = ["\x00", "a\x1b[31mb", "x\x7f", "\ud800"]  # NUL, an escape sequence, DEL, an unpaired surrogate
# Moments and days outside what the service keeps (intake from 2000, nothing in the future,
# queries within 2000-2100) and ones that are no moment at all.
MOMENTS = ["0001-01-01T00:00:00+08:00", "0999-06-01T08:00:00+08:00", "1999-12-31T23:59:59+08:00",
           "2101-01-01T00:00:00+08:00", "9999-12-31T23:59:59+08:00", "+275760-09-13T00:00:00Z",
           "2024-02-30T10:00:00+08:00", "2024-06-01T10:00:00+99:00"]
DAYS = ["0001-01-01", "0999-06-01", "1999-12-31", "2101-01-01", "9999-12-31", "2024-02-30", "-0001-01-01"]
DEPTH = 40  # beyond the 32 levels a body or GraphQL variables may have
DATE_KEYS = {"at": MOMENTS, "received_at": MOMENTS, "held_at": MOMENTS, "act_known_on": DAYS}
ROLE_ACTOR = {"clerk": Actor("clerk", "tax", "in-clerk-tax"), "handler": Actor("handler", "hrss", "in-handler-hrss"),
              "taskforce": Actor("taskforce", None, "in-taskforce"), "legal": Actor("legal", None, "in-legal"),
              "integrator": Actor("integrator", "tax", "in-int")}


def deep_object(depth: int = DEPTH) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def deep_list(depth: int = DEPTH) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every string leaf of a JSON value, as a path of keys and indexes."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from string_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from string_paths(v, (*path, i))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)


@dataclass(frozen=True)
class Variant:
    kind: str  # control / depth / date
    field: str  # what was spoiled (a dotted path, or "body")
    body: Any  # the JSON body (or raw bytes)


def variants(body: dict[str, Any]) -> list[Variant]:
    """Spoiled forms of a valid body: a control character in each text field, deep JSON, bad dates."""
    out: list[Variant] = []
    for path in string_paths(body):
        if path and path[-1] in DATE_KEYS:
            continue
        out += [Variant("control", dotted(path), replaced(body, path, text)) for text in CONTROL]
    out.append(Variant("depth", "body", deep_object()))
    out.append(Variant("depth", "body", b"[" * 100_000))
    first = next(iter(string_paths(body)), None)
    if first is not None:
        out.append(Variant("depth", dotted(first), replaced(body, first, deep_list())))
    for key, values in DATE_KEYS.items():
        if key in body or key == "at":
            out += [Variant("date", key, {**body, key: v}) for v in values]
    return out


def encode(body: Any) -> bytes:
    """JSON with \\u escapes, so an unpaired surrogate travels as the escape a client would send."""
    return body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=True).encode()


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # 5xx / INTERNAL
    unnamed: list[str] = field(default_factory=list)  # a control character not refused with a 400 naming the field
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str, answer: str) -> None:
        with self.lock:
            self.requests[kind] += 1
            self.answers[answer] += 1

    def fail(self, text: str) -> None:
        with self.lock:
            if len(self.failures) < 40:
                self.failures.append(text)


def _actor_for(spec: registry.CommandSpec) -> Actor:
    return ROLE_ACTOR[str(next(iter(sorted(r.value for r in spec.role_names))))]


def _case(dep: Deployment) -> str:
    """A case accepted by tax and handled by hrss (transferred, not yet signed for)."""
    clerk = dep.caller("clerk", "tax", "in-clerk-tax")
    r = clerk.post("/api/v1/disputes", registration("tax", f"in-{uuid.uuid4().hex[:8]}"))
    assert r.status_code == 201, r.text
    number = str(r.json()["case_number"])
    assert clerk.post(f"/api/v1/disputes/{number}/transfer", command_body("transfer")).status_code == 200
    clerk.close()
    return number


# The REST commands outside a case's lifecycle: (path, who, a valid body). A valid body would not
# record either (the unit exists; the subscription is refused for its spoiled field).
OTHER_REST = [
    ("/api/v1/units", Actor("taskforce", None, "in-taskforce"), {"code": "tax", "name": "税务局"}),
    ("/api/v1/subscriptions", Actor("taskforce", None, "in-taskforce"),
     {"url": "https://hooks.example.org/fengqiao", "description": "安全测试"}),
]


def _other_rest(dep: Deployment, tally: Tally) -> None:
    with httpx.Client(base_url=dep.url, timeout=30) as client:
        for path, actor, body in OTHER_REST:
            headers = {"Authorization": f"Bearer {dep.token(actor)}", "Content-Type": "application/json"}
            for variant in variants(body):
                if variant.kind == "date":
                    continue  # these bodies hold no dates
                r = client.post(path, content=encode(variant.body), headers=headers)
                tally.count(f"REST {variant.kind}", f"REST {r.status_code}")
                if r.status_code >= 500:
                    tally.fail(f"POST {path} {variant.kind} {variant.field}: {r.status_code} {r.text[:160]}")
                elif variant.kind == "control" and not (r.status_code == 400 and _names(r.text, variant.field, variant.body)):
                    with tally.lock:
                        tally.unnamed.append(f"POST {path} {variant.field}: {r.status_code} {r.text[:160]}")


def _command_body(spec: registry.CommandSpec) -> dict[str, Any]:
    if not spec.on_case:
        return registration("tax", f"in-reg-{uuid.uuid4().hex[:8]}")
    return command_body(spec.path)


def _rest(dep: Deployment, client: httpx.Client, tally: Tally, spec: registry.CommandSpec, number: str) -> None:
    actor = _actor_for(spec)
    path = f"/api/v1/disputes/{number}/{spec.path}" if spec.on_case else "/api/v1/disputes"
    headers = {"Authorization": f"Bearer {dep.token(actor)}", "Content-Type": "application/json"}
    for variant in variants(_command_body(spec)):
        r = client.post(path, content=encode(variant.body), headers=headers)
        tally.count(f"REST {variant.kind}", f"REST {r.status_code}")
        if r.status_code >= 500:
            tally.fail(f"POST {path} {variant.kind} {variant.field}: {r.status_code} {r.text[:160]}")
        elif variant.kind == "control" and not (r.status_code == 400 and _names(r.text, variant.field, variant.body)):
            with tally.lock:
                tally.unnamed.append(f"POST {path} {variant.field}: {r.status_code} {r.text[:160]}")


def _names(answer: str, dotted_path: str, body: Any) -> bool:
    """The refusal names the field (its last key, snake_case or camelCase). An unpaired surrogate
    leaves no JSON document to find a field in (the decoder refuses the body): "body" is named."""
    if "\\ud800" in encode(body).decode():
        return '"body' in answer or "body:" in answer
    key = next((p for p in reversed(dotted_path.split(".")) if not p.isdigit()), dotted_path)
    camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), key)
    return key in answer or camel in answer


def _graphql_errors(r: httpx.Response) -> list[str]:
    try:
        body = r.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str((e.get("extensions") or {}).get("code")) for e in errors or []]


def _gql(client: httpx.Client, tally: Tally, token: str, label: str, kind: str, query: str, variables: Any) -> None:
    payload = {"query": query, "variables": variables}
    r = client.post("/graphql", content=encode(payload),
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    codes = _graphql_errors(r)
    tally.count(f"GraphQL {kind}", f"GraphQL {r.status_code}" + (f" {'/'.join(sorted(set(codes)))}" if codes else ""))
    if r.status_code >= 500 or "INTERNAL" in codes:
        tally.fail(f"GraphQL {label} {kind}: {r.status_code} {r.text[:160]}")


def _mutations(dep: Deployment, client: httpx.Client, tally: Tally, spec: registry.CommandSpec, number: str) -> None:
    token = dep.token(_actor_for(spec))
    case_arg = "caseNumber: $id, " if spec.on_case else ""
    case_var = "$id: String!, " if spec.on_case else ""
    typed = f"mutation({case_var}$input: {spec.input_name}!) {{ {spec.operation}({case_arg}input: $input) {{ __typename }} }}"
    legacy = (f"mutation($id: String!, $input: JSON!) {{ {spec.legacy}(id: $id, input: $input) {{ __typename }} }}"
              if spec.legacy else None)
    for variant in variants(_command_body(spec)):
        if isinstance(variant.body, bytes):
            continue  # not JSON at all: the REST side's case; GraphQL gets its deep variables below
        base = {"id": number} if spec.on_case else {}
        _gql(client, tally, token, spec.operation, variant.kind, typed,
             {**base, "input": variables_for(spec.input, variant.body) if isinstance(variant.body, dict) else variant.body})
        if legacy:
            _gql(client, tally, token, spec.legacy or "", variant.kind, legacy, {"id": number, "input": variant.body})
    _gql(client, tally, token, spec.operation, "depth", typed, {"id": number, "input": deep_object()})


# --- queries: every argument of every root field, from the committed schema ------------------


DEFAULTS = {"String": "GP-2026-000001", "ID": "x", "Int": 5, "Boolean": True, "Date": "2024-06-01",
            "DateTime": "2024-06-01T10:00:00+08:00"}
NAMED = {"unit": "tax", "caseNumber": None, "from": "2024-01-01", "to": "2024-12-31"}


def _query_cases(number: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(label, kind, query, variables) for each spoiled argument (or input field) of each query field."""
    import graphql

    schema = graphql.build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    query_type = schema.query_type
    assert query_type is not None
    for name, fld in query_type.fields.items():
        required = {a: arg for a, arg in fld.args.items() if graphql.is_non_null_type(arg.type)}
        base = {a: _default(a, arg.type, number) for a, arg in required.items()}
        selection = " { __typename }" if graphql.is_composite_type(graphql.get_named_type(fld.type)) else ""
        for arg_name, arg in fld.args.items():
            named = graphql.get_named_type(arg.type)
            decl = ", ".join(f"${a}: {str(fld.args[a].type)}" for a in {**base, arg_name: 0})
            call = ", ".join(f"{a}: ${a}" for a in {**base, arg_name: 0})
            query = f"query({decl}) {{ {name}({call}){selection} }}"
            for path, leaf in _leaves(named):
                for kind, value in _spoiled(leaf.name):
                    label = f"{name}({arg_name}{'.' + '.'.join(path) if path else ''})"
                    yield label, kind, query, {**base, arg_name: _nest(path, value)}
            if graphql.is_input_object_type(named):
                yield f"{name}({arg_name})", "depth", query, {**base, arg_name: deep_object()}


def _default(arg: str, type_: Any, number: str) -> Any:
    import graphql

    named = graphql.get_named_type(type_)
    if arg in NAMED:
        return NAMED[arg] if NAMED[arg] is not None else number
    if graphql.is_enum_type(named):
        return next(iter(named.values))
    return DEFAULTS.get(named.name, "x")


def _leaves(named: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    import graphql

    if graphql.is_input_object_type(named):
        for key, fld in named.fields.items():
            yield from _leaves(graphql.get_named_type(fld.type), (*path, key))
    elif graphql.is_scalar_type(named):
        yield path, named


def _spoiled(scalar: str) -> list[tuple[str, str]]:
    if scalar in ("String", "ID"):
        return [("control", text) for text in CONTROL]
    if scalar == "Date":
        return [("date", d) for d in DAYS]
    if scalar == "DateTime":
        return [("date", m) for m in MOMENTS]
    return []


def _nest(path: tuple[str, ...], value: Any) -> Any:
    for key in reversed(path):
        value = {key: value}
    return value


def _queries(dep: Deployment, client: httpx.Client, tally: Tally, number: str) -> None:
    token = dep.token(Actor("legal", None, "in-legal"))  # reads every case, sees everything: no gate answers first
    for label, kind, query, variables in _query_cases(number):
        _gql(client, tally, token, label, kind, query, variables)


# --- the console's forms ------------------------------------------------------------------------


FORM = re.compile(r'<form method="(get|post)" action="([^"]+)"[^>]*>(.*?)</form>', re.S)
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"[^>]*>')


def _console(dep: Deployment, tally: Tally, number: str) -> None:
    with httpx.Client(base_url=dep.url, timeout=30, headers={"Sec-Fetch-Site": "same-origin"}) as client:
        sign_in = client.get("/console/sign-in")
        forms = _forms(sign_in.text)
        token = dep.token(Actor("clerk", "tax", "in-console-clerk"))
        r = client.post("/console/sign-in", data={"token": token, "next": "/console/"})
        assert r.status_code in (200, 302, 303), r.text[:200]
        for page in ("/console/search", "/console/supervision", f"/console/cases/{number}"):
            forms += _forms(client.get(page).text)
        for method, action, fields in forms:
            if action.endswith("/sign-out"):
                continue
            for name in fields:
                values = [("control", t) for t in CONTROL] + [("date", d) for d in DAYS + MOMENTS]
                for kind, value in values:
                    data = {f: "" for f in fields if f != "token"} | {name: value}
                    # An unpaired surrogate travels as the invalid UTF-8 bytes a hostile client sends.
                    encoded = urlencode(data, encoding="utf-8", errors="surrogatepass")
                    r = (client.get(f"{action}?{encoded}") if method == "get" else client.post(
                        action, content=encoded, headers={"Content-Type": "application/x-www-form-urlencoded"}))
                    tally.count(f"console {kind}", f"console {r.status_code}")
                    if r.status_code >= 500:
                        tally.fail(f"console {method.upper()} {action} {name}={value!r}: {r.status_code}")
            if method == "post":
                r = client.post(action, content=encode(deep_object()), headers={"Content-Type": "application/json"})
                tally.count("console depth", f"console {r.status_code}")
                if r.status_code >= 500:
                    tally.fail(f"console POST {action} deep JSON: {r.status_code}")
        if client.cookies:
            client.post("/console/sign-out")


def _forms(html: str) -> list[tuple[str, str, list[str]]]:
    out = []
    for method, action, inner in FORM.findall(html):
        names = list(dict.fromkeys(n for n in FIELD.findall(inner)))
        out.append((method, action.replace("&amp;", "&"), names))
    return out


def run_inputs(dep: Deployment) -> dict[str, Any]:
    """Everything above, on one fresh case; the store's head must not move."""
    number = _case(dep)
    head_before = dep.head()
    tally = Tally()
    specs = [registry.REGISTER, *registry.CASE_COMMANDS]

    def rest_and_graphql(spec: registry.CommandSpec) -> None:
        with httpx.Client(base_url=dep.url, timeout=30) as client:
            _rest(dep, client, tally, spec, number)
            _mutations(dep, client, tally, spec, number)

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(rest_and_graphql, s) for s in specs]
        futures.append(pool.submit(_console, dep, tally, number))
        futures.append(pool.submit(_other_rest, dep, tally))
        with httpx.Client(base_url=dep.url, timeout=30) as client:
            _queries(dep, client, tally, number)
        for f in futures:
            f.result()
    return {"requests": dict(tally.requests), "total": sum(tally.requests.values()), "answers": dict(tally.answers),
            "5xx": tally.failures, "control not named": tally.unnamed, "recorded": dep.head() - head_before}
