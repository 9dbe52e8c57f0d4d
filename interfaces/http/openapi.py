"""The OpenAPI 3.1 description: what Litestar derives from the routes, completed with what it
cannot know (the bearer scheme, the contract's headers, the problem answers, domain examples).

Each command's operation comes from the command registry (application/registry.py): its
operationId, summary, roles and error answers. `complete` then edits the generated document
once, before it is served.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.datastructures import ResponseSpec

from application import registry
from interfaces.graphql.errors import CODES as GRAPHQL_CODES
from interfaces.http.problems import MEDIA_TYPE, PROBLEMS, Problem

SCHEME = "bearerAuth"
PUBLIC_PATHS = ("/health", "/ready")  # the probes need no token

_ERROR_TEXT = {
    400: "Malformed or invalid input; `field` names it. Nothing is recorded.",
    401: "No token, or a bad or expired token.",
    403: "The token's role or unit may not do this.",
    404: "No such case, or one outside the caller's reach.",
    409: "Not allowed in the case's current status (`case_status` names it), a concurrent change won, "
    "or the first request with this Idempotency-Key is still running; retry after Retry-After seconds "
    "for the last two.",
    413: "The body is larger than the service accepts.",
    415: "The body is not JSON.",
    422: "The Idempotency-Key was used before with a different request.",
    429: "Too many requests; retry after Retry-After seconds.",
    500: "An unexpected failure; it has been logged.",
    503: "The store is unavailable; retry after Retry-After seconds.",
}
RETRY_STATUSES = ("409", "429", "503")
COMMAND_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503)


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem-details answers of an operation (500 is added to every one by `complete`)."""
    return {
        status: ResponseSpec(Problem, description=_ERROR_TEXT[status], media_type=MEDIA_TYPE, generate_examples=False)
        for status in statuses
    }


def _roles(spec: registry.CommandSpec) -> str:
    return ", ".join(f"`{role.value}` ({relation})" for role, relation in spec.roles)


def command_operation(spec: registry.CommandSpec) -> dict[str, Any]:
    """The route decorator's documentation arguments for a registry command."""
    where = "`{id}` is the case's UUID or its case number (GP-YYYY-NNNNNN). " if spec.on_case else ""
    body = "The body may be empty. " if spec.optional_body and spec.on_case else ""
    return {
        "operation_id": spec.operation,
        "summary": spec.summary,
        "description": f"{where}{body}Roles: {_roles(spec)}. Records: {', '.join(spec.events)}. "
        "With an `Idempotency-Key`, a retry answers the first answer again (`Idempotent-Replayed: true`).",
        "tags": ["commands"],
        "responses": errors(*COMMAND_ERRORS),
    }


# Real requests from the domain: a 12366 late-fee case, a transfer to the human-resources bureau.
EXAMPLES: dict[str, dict[str, Any]] = {
    "register": {
        "channel": "hotline_12366", "received_at": "2024-09-30T10:00:00+08:00", "accepting_unit": "tax",
        "payer": {"kind": "individual", "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        "category": "late_fee", "summary": "对滞纳金加收有异议", "external_ref": "12366-WO-0001",
        "insurance_types": ["pension"],
    },
    "resolve_on_spot": {"result": "当场解释滞纳金计算依据，缴费人表示理解", "feedback_method": "in_person"},
    "transfer": {"to_unit": "hrss", "note": "涉及养老保险待遇核定，转人社局办理"},
    "sign_for": {},
    "return": {"reason": "属于税务部门职责，退回受理单位"},
    "progress": {"note": "已调取2023年度缴费记录"},
    "conclude": {"outcome": "explained", "result": "已向缴费人说明滞纳金加收依据"},
    "escalate": {"reason": "涉及多部门职责，提请工作专班研判"},
    "deliberation": {
        "held_at": "2024-10-10", "attendees": [{"unit": "tax", "name": "李四"}, {"unit": "hrss", "name": "王五"}],
        "minutes": "专班会商，明确由人社局牵头办理", "written_opinion": "由人社局核定待遇，税务局配合", "executing_unit": "hrss",
    },
    "feedback": {"party": "payer", "method": "phone", "content": "电话告知办理结果"},
    "objection": {"party": "payer", "content": "对办理结果有异议"},
    "no_objection": {"party": "other_party", "note": "用人单位书面确认对处理结果无异议"},
    "remedy_guidance": {"remedy": "reconsideration", "content": "告知可申请行政复议", "act_known_on": "2024-10-15"},
    "archive": {},
    "risk_flag": {"kind": "群体性", "level": "high", "people_involved": 12, "note": "多名职工集体来访"},
    "supervision_notice": {"unit": "hrss", "content": "请于三个工作日内办结"},
    "satisfaction": {"party": "payer", "satisfied": True, "note": "回访满意"},
}

_HEADER_TEXT = {
    "Idempotency-Key": "Any text of 1 to 200 characters, the caller's own: a retry with the same key and "
    "request answers the first answer again, recorded once.",
    "X-Access-Reason": "Why personal data is viewed whole (UTF-8, percent-encoded or raw); written to the access log.",
    "X-Consistency-Position": "A command's `position`: the query waits (up to 5 s) for the read models to include it.",
}


def _header(name: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": _HEADER_TEXT[name],
            "schema": {"type": "string"} if name != "X-Consistency-Position" else {"type": "integer", "minimum": 0}}


_RESPONSE_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
    "Location": {"description": "The registered case (GET it for its status).", "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true` when this is the first answer given again to a retry.",
                            "schema": {"type": "string", "enum": ["true"]}},
    "X-Consistency-Reached": {"description": "With X-Consistency-Position: `true` when the answer includes that "
                              "write, `false` when the wait timed out and it may not.",
                              "schema": {"type": "string", "enum": ["true", "false"]}},
}
_OPERATION_IDS = {("/graphql", "get"): "queryGraphql", ("/graphql", "post"): "executeGraphql"}

# What /graphql takes and answers, in GraphQL's own shapes (errors there are GraphQL errors, with
# `extensions.code`, not problems).
GRAPHQL_SCHEMAS: dict[str, Any] = {
    "GraphQLRequest": {
        "type": "object", "required": ["query"],
        "properties": {"query": {"type": "string"}, "variables": {"type": ["object", "null"]},
                       "operationName": {"type": ["string", "null"]}},
    },
    "GraphQLError": {
        "type": "object", "required": ["message"],
        "properties": {
            "message": {"type": "string"},
            "path": {"type": "array", "items": {"type": ["string", "integer"]}},
            "locations": {"type": "array", "items": {"type": "object", "properties": {
                "line": {"type": "integer"}, "column": {"type": "integer"}}}},
            "extensions": {"type": "object", "properties": {"code": {"type": "string", "enum": list(GRAPHQL_CODES)}}},
        },
    },
    "GraphQLResponse": {
        "type": "object",
        "properties": {
            "data": {"type": ["object", "null"]},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/GraphQLError"}},
            "extensions": {"type": "object", "description": "`consistency: {requested, reached}` when a "
                           "read-your-writes wait timed out"},
        },
    },
}


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """The generated document with what Litestar does not derive (edited in place, returned)."""
    components = doc.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A token from `fengqiao token issue --subject NAME --role ROLE [--unit UNIT]`.",
    }
    doc["security"] = [{SCHEME: []}]
    schemas = components.setdefault("schemas", {})
    schemas.pop("GraphQLResource", None)  # strawberry's answer type, replaced by GraphQL's own shapes below
    schemas.update(GRAPHQL_SCHEMAS)
    for schema in schemas.values():
        _portable_patterns(schema)
    examples = {spec.operation: EXAMPLES.get(spec.name) for spec in registry.COMMANDS}
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or method not in {"get", "post", "put", "delete", "head", "patch"}:
                continue
            _operation(path, method, operation, examples)
    return doc


def _portable_patterns(node: Any) -> None:
    """Patterns as ECMA-262 (what OpenAPI 3.1 and most generated clients use) reads them: ours use
    possessive quantifiers (`++`, `*+`) against backtracking, which match the same texts greedily."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            node["pattern"] = pattern.replace("++", "+").replace("*+", "*").replace("?+", "?")
        for value in node.values():
            _portable_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _portable_patterns(value)


def _operation(path: str, method: str, operation: dict[str, Any], examples: dict[str, Any]) -> None:
    operation["operationId"] = _OPERATION_IDS.get((path, method), operation.get("operationId"))
    parameters = operation.setdefault("parameters", [])
    if path == "/graphql" or path.endswith("/dossier"):
        parameters.append(_header("X-Access-Reason"))
    if path == "/graphql":
        parameters.append(_header("X-Consistency-Position"))
        _graphql(method, operation, parameters)
        return
    if operation.get("operationId") in examples:  # the registry's commands take a key; addUnit does not
        parameters.append(_header("Idempotency-Key"))
    responses = operation.setdefault("responses", {})
    if path in PUBLIC_PATHS:
        operation["security"] = []
    else:
        for status in ("401", "500"):
            responses.setdefault(status, _problem_response(int(status)))
    for status, given in list(responses.items()):
        response = given
        if path.startswith("/api/") and status[:1] in "45" and MEDIA_TYPE not in given.get("content", {}):
            # Litestar's own 400 (its validation body) and plain JSON errors: every error is a problem.
            response = _problem_response(int(status))
            if status != "400" and given.get("description"):
                response["description"] = given["description"]
            responses[status] = response
        if status in RETRY_STATUSES:
            response.setdefault("headers", {})["Retry-After"] = _RESPONSE_HEADERS["Retry-After"]
    if operation.get("operationId") in examples:
        _command_answers(operation, responses, examples[operation["operationId"]])


def _graphql(method: str, operation: dict[str, Any], parameters: list[dict[str, Any]]) -> None:
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/GraphQLResponse"}}}
    operation["tags"] = ["graphql"]
    operation["responses"] = {
        "200": {"description": "A GraphQL answer: data, errors with `extensions.code`, extensions", "content": answer,
                "headers": {"X-Consistency-Reached": _RESPONSE_HEADERS["X-Consistency-Reached"]}},
        **{str(status): {"description": _ERROR_TEXT[status], "content": answer} for status in (400, 401, 413, 429, 500, 503)},
    }
    for status in ("429", "503"):
        operation["responses"][status]["headers"] = {"Retry-After": _RESPONSE_HEADERS["Retry-After"]}
    if method == "post":
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/GraphQLRequest"}}}}
    else:
        operation["description"] = "Queries by GET (development mode only; production refuses GET)."
        parameters += [
            {"name": "query", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "variables", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "JSON-encoded variables"},
            {"name": "operationName", "in": "query", "required": False, "schema": {"type": "string"}},
        ]


def _command_answers(operation: dict[str, Any], responses: dict[str, Any], example: dict[str, Any] | None) -> None:
    for status in ("200", "201"):
        if status in responses:
            headers = responses[status].setdefault("headers", {})
            headers["Idempotent-Replayed"] = _RESPONSE_HEADERS["Idempotent-Replayed"]
            if status == "201":
                headers["Location"] = _RESPONSE_HEADERS["Location"]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is not None and example is not None:
        content["example"] = example


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": _ERROR_TEXT.get(status, PROBLEMS["internal"][1]),
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
