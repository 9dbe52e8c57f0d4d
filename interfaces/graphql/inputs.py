"""GraphQL input types made from the commands' msgspec Structs (application/commands.py), one per
command of the registry: camelCase fields, the domain's enums, the Struct's defaults.

What a caller sends is turned back into the Struct's own shape (snake_case, enum values) and
decoded by msgspec exactly as a REST body is, so both surfaces share one validation, one set of
defaults and one idempotency request hash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec
import strawberry
from strawberry.types.base import has_object_definition

from application import registry
from interfaces.graphql.enums import BY_DOMAIN

_made: dict[type, Any] = {}
_SCALARS = (str, int, bool, float, dt.datetime, dt.date)


def _graphql_type(annotation: Any) -> Any:
    """The GraphQL-side annotation for a Struct field's type."""
    if get_origin(annotation) is Annotated:
        return _graphql_type(get_args(annotation)[0])
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        # A union of text and an object (other_party) is the object on GraphQL: inputs have no unions.
        structs = [m for m in members if isinstance(m, type) and issubclass(m, msgspec.Struct)]
        chosen = _graphql_type(structs[0] if structs else members[0])
        return chosen | None if type(None) in get_args(annotation) else chosen
    if origin is list:
        return list[_graphql_type(get_args(annotation)[0])]  # type: ignore[misc]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return BY_DOMAIN[annotation]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return input_type(annotation, annotation.__name__ if annotation.__name__.endswith("Input") else f"{annotation.__name__}Input")
    if annotation in _SCALARS:
        return annotation
    raise TypeError(f"no GraphQL input type for {annotation!r}")


def input_type(struct: type[msgspec.Struct], name: str, description: str | None = None) -> Any:
    """The strawberry input type for a Struct (made once per Struct)."""
    if struct in _made:
        return _made[struct]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field in msgspec.structs.fields(struct):
        annotations[field.name] = _graphql_type(field.type)
        if field.default_factory is not msgspec.NODEFAULT:
            namespace[field.name] = strawberry.field(default_factory=field.default_factory)
        elif field.default is not msgspec.NODEFAULT:
            namespace[field.name] = field.default
    namespace["__annotations__"] = annotations
    made = strawberry.input(type(name, (), namespace), description=description)
    _made[struct] = made
    return made


def command_input(spec: registry.CommandSpec) -> Any:
    return input_type(spec.input, spec.input_name, f"The input of {spec.operation}: {spec.summary}")


def as_body(value: Any) -> Any:
    """A received input turned into the Struct's shape (snake_case names, enum values)."""
    if has_object_definition(value) and dataclasses.is_dataclass(value):
        return {f.name: as_body(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [as_body(v) for v in value]
    return value


def decode(spec: registry.CommandSpec, value: Any) -> Any:
    """The command's Struct, validated as a REST body is (msgspec.ValidationError if not valid)."""
    body = {} if value is None else as_body(value)
    return msgspec.convert(body, spec.input, strict=False)


_SNAKE = re.compile(r"_([a-z0-9])")


def camel_path(field: str) -> str:
    """A Struct field path (payer.id_number, attendees[0].unit) as the GraphQL input names it."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), field)


def variables_for(struct: type[msgspec.Struct], body: dict[str, Any]) -> dict[str, Any]:
    """A REST body (snake_case, enum values) as the command's GraphQL input (camelCase, enum
    names): what a client moving from REST to the typed mutations sends instead."""
    fields = {f.name: f.type for f in msgspec.structs.fields(struct)}
    return {camel_path(key): _variable(fields.get(key), value) for key, value in body.items()}


def _variable(annotation: Any, value: Any) -> Any:
    while get_origin(annotation) is Annotated or get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) is Annotated:
            annotation = args[0]
        else:
            annotation = next((a for a in args if isinstance(value, dict) == _is_struct(a)), args[0])
    if get_origin(annotation) is list and isinstance(value, list):
        return [_variable(get_args(annotation)[0], v) for v in value]
    if isinstance(annotation, type) and issubclass(annotation, Enum) and isinstance(value, str):
        return annotation(value).name if value in annotation._value2member_map_ else value
    if _is_struct(annotation) and isinstance(value, dict):
        return variables_for(annotation, value)
    return value


def _is_struct(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)
