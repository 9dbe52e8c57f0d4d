"""Mutations: one per command of the registry (application/registry.py), over the same use cases
as REST, with expected failures as typed results.

`<command>Dispute(caseNumber: String!, input: <Command>Input!, idempotencyKey: String)` takes a
camelCase input typed from the command's Struct. The 1.0 mutations that took the REST body as
`input: JSON` stay, deprecated, where their names differ from the new ones.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio.to_thread
import msgspec
import strawberry
from strawberry.scalars import JSON

from application import commands as cmd
from application import registry
from application.errors import (
    CommandRejected,
    ConcurrencyConflict,
    DisputeNotFound,
    Forbidden,
    IdempotencyInProgress,
    IdempotencyMismatch,
    InvalidCommand,
    StoreUnavailable,
)
from interfaces.graphql.context import Info
from interfaces.graphql.dispute import DisputeStatus
from interfaces.graphql.inputs import camel_path, command_input, decode


@strawberry.type
class CommandSuccess:
    id: str
    case_number: str
    status: DisputeStatus
    version: int
    position: int | None
    replayed: bool = strawberry.field(description="True when this is the first answer given again to a retry "
                                      "with the same idempotencyKey (nothing was recorded again)")


@strawberry.type
class InvalidInput:
    field: str
    message: str


@strawberry.type
class NotAllowed:
    case_status: DisputeStatus | None = strawberry.field(description="The case's status, which does not allow it")
    message: str


@strawberry.type
class NotFound:
    message: str


@strawberry.type
class Denied:
    message: str


@strawberry.type
class Conflict:
    message: str


@strawberry.type
class Unavailable:
    message: str


CommandOutcome = Annotated[
    CommandSuccess | InvalidInput | NotAllowed | NotFound | Denied | Conflict | Unavailable,
    strawberry.union("CommandOutcome"),
]


def _status(value: str) -> DisputeStatus | None:
    try:
        return DisputeStatus[value.upper()]
    except KeyError:
        return None


def _field(message: str) -> str:
    from interfaces.http.errors import field_of

    return field_of(message) or "input"


async def _run(info: Info, spec: registry.CommandSpec, ref: str | None, command: cmd.Command, key: str | None,
               names: Any) -> CommandOutcome:
    ctx = info.context
    try:
        idem = registry.idempotency_key(spec, ref, command, key)
        result = await anyio.to_thread.run_sync(partial(registry.run, ctx.fengqiao, spec, ref, command, ctx.actor, idem))
    except InvalidCommand as e:
        field = "idempotencyKey" if e.field == "Idempotency-Key" else names(e.field)  # an argument here, not a header
        return InvalidInput(field=field, message=str(e).replace(e.field, field))
    except CommandRejected as e:
        return NotAllowed(case_status=_status(e.status), message=str(e))
    except DisputeNotFound as e:
        return NotFound(message=str(e))
    except Forbidden as e:
        return Denied(message=str(e))
    except (ConcurrencyConflict, IdempotencyInProgress, IdempotencyMismatch) as e:
        return Conflict(message=str(e))
    except StoreUnavailable:
        return Unavailable(message="the store is unavailable; retry")
    replayed = isinstance(result, cmd.ReplayedResult)
    if replayed:
        ctx.response_headers["Idempotent-Replayed"] = "true"
    return CommandSuccess(id=result.id, case_number=result.case_number, status=DisputeStatus[result.status],
                          version=result.version,
                          position=result.position, replayed=replayed)


def _same(name: str) -> str:
    return name


async def _typed(info: Info, spec: registry.CommandSpec, ref: str | None, value: Any, key: str | None) -> CommandOutcome:
    try:
        command = decode(spec, value)
    except msgspec.ValidationError as e:
        field = camel_path(_field(str(e)))
        return InvalidInput(field=field, message=str(e).replace(_field(str(e)), field))
    return await _run(info, spec, ref, command, key, camel_path)


async def _legacy(info: Info, spec: registry.CommandSpec, ref: str | None, data: Any, key: str | None) -> CommandOutcome:
    try:
        command = msgspec.convert(data, spec.input, strict=False)
    except msgspec.ValidationError as e:
        return InvalidInput(field=_field(str(e)), message=str(e))
    return await _run(info, spec, ref, command, key, _same)


def _typed_mutation(spec: registry.CommandSpec) -> Any:
    input_type = command_input(spec)
    if spec.on_case:
        async def on_case(info: Info, case_number: str, input: Any = None, idempotency_key: str | None = None) -> CommandOutcome:  # noqa: A002
            return await _typed(info, spec, case_number, input, idempotency_key)

        resolver: Any = on_case
        annotations = {"info": Info, "case_number": str, "input": input_type | None if spec.optional_body else input_type,
                       "idempotency_key": str | None, "return": CommandOutcome}
        if not spec.optional_body:
            resolver.__defaults__ = (None,)  # idempotency_key only
    else:
        async def register(info: Info, input: Any, idempotency_key: str | None = None) -> CommandOutcome:  # noqa: A002
            return await _typed(info, spec, None, input, idempotency_key)

        resolver = register
        annotations = {"info": Info, "input": input_type, "idempotency_key": str | None, "return": CommandOutcome}
    resolver.__annotations__ = annotations
    resolver.__name__ = spec.operation
    roles = ", ".join(f"{role.value} ({relation})" for role, relation in spec.roles)
    return strawberry.mutation(resolver=resolver, description=f"{spec.summary}. Roles: {roles}.")


def _legacy_mutation(spec: registry.CommandSpec) -> Any:
    async def resolver(info: Info, id: str, input: JSON, idempotency_key: str | None = None) -> CommandOutcome:  # noqa: A002
        return await _legacy(info, spec, id, input, idempotency_key)

    resolver.__name__ = spec.legacy or spec.operation
    return strawberry.mutation(
        resolver=resolver,
        description=f"{spec.summary}; input is the REST body (snake_case)",
        deprecation_reason=f"Use {spec.operation}(caseNumber, input: {spec.input_name}!)",
    )


def _mutation_type() -> type:
    namespace: dict[str, Any] = {}
    annotations: dict[str, Any] = {}
    for spec in registry.COMMANDS:
        namespace[_python_name(spec.operation)] = _typed_mutation(spec)
        annotations[_python_name(spec.operation)] = CommandOutcome
        if spec.legacy is not None:
            namespace[_python_name(spec.legacy)] = _legacy_mutation(spec)
            annotations[_python_name(spec.legacy)] = CommandOutcome
    namespace["__annotations__"] = annotations
    return strawberry.type(type("Mutation", (), namespace))


def _python_name(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


Mutation = _mutation_type()
