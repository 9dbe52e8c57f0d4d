"""Leaf values on the fast path: which values need none of graphql-core's checks, and the
completion of a scalar or enum (or a list of them) that gives the coerced value or SLOW."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable
from decimal import Decimal
from threading import Lock
from typing import Any
from uuid import UUID

from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLID, GraphQLInt, GraphQLString
from graphql.pyutils import Undefined
from msgspec import to_builtins
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat

SLOW: Any = object()  # "not plainly valid: let graphql-core complete this value"

MIN_INT, MAX_INT = -2_147_483_648, 2_147_483_647
UTC = dt.UTC

Completion = Callable[[Any], Any]
# (completion of a non-null value, what the generated code checks inline, enum details)
Leaf = tuple[Completion, str | None, Any]


# Types whose instances are never None, Undefined, an exception or awaitable, so the checks
# graphql-core makes around coercion can be skipped: builtins, and classes found to be so.
INERT: dict[type, bool] = dict.fromkeys(
    (str, int, float, bool, dict, list, tuple, dt.datetime, dt.date, dt.time, Decimal, UUID), True
)
INERT_OUT = frozenset({str, int, float, bool, dict, list})
_INERT_LOCK = Lock()


def inert(cls: type) -> bool:
    """Can an instance of `cls` be None, Undefined, an exception or awaitable, as graphql-core
    sees it (`isinstance(value, Exception)`; CoroutineType, GeneratorType, `hasattr(value,
    "__await__")`)? Not if the class is plain: no instance __dict__ (so no per-instance
    __await__), no __await__, __getattr__, __getattribute__ or __class__ of its own, and none of
    those base types. (The metaclass does not matter: an instance's attributes are not looked up
    through it.)"""
    known = INERT.get(cls)
    if known is not None:
        return known
    plain = (
        cls.__dictoffset__ == 0
        and getattr(cls, "__await__", None) is None
        and getattr(cls, "__getattr__", None) is None
        and getattr(cls, "__getattribute__", None) is object.__getattribute__
        and not issubclass(cls, (BaseException, types.CoroutineType, types.GeneratorType, type))
        and all("__class__" not in vars(k) for k in cls.__mro__ if k is not object)
        and cls is not type(None)
        and cls is not type(Undefined)
    )
    with _INERT_LOCK:
        INERT[cls] = plain
    return plain


def leaf(named: Any, is_awaitable: Callable[[Any], bool]) -> Leaf:
    """A non-null scalar or enum: (completion giving the coerced value or SLOW, what can be
    checked inline, enum details)."""
    generic = _generic(named.coerce_output_value, is_awaitable)
    if named is GraphQLString or named is GraphQLID:
        return _exact(str, generic), "str", None
    if named is GraphQLInt:
        return _int32(generic), "int", None
    if named is GraphQLBoolean:
        return _exact(bool, generic), "bool", None
    if named.coerce_output_value is strawberry_isoformat:
        return _instant(generic), "utc", None
    wrapped = getattr(named, "wrapped_cls", None)
    if isinstance(named, GraphQLEnumType) and isinstance(wrapped, type):
        names = _enum_names(named, wrapped)
        return _enum(wrapped, names, generic), "enum", (wrapped, names)
    return generic, None, None


def _generic(coerce: Completion, is_awaitable: Callable[[Any], bool]) -> Completion:
    """The scalar's own coercion, around graphql-core's checks of the value and the result."""

    def generic(value: Any) -> Any:
        cls = type(value)
        if not (INERT.get(cls) or inert(cls)) and (
            value is None or value is Undefined or isinstance(value, Exception) or is_awaitable(value)
        ):
            return SLOW
        try:
            out = coerce(value)
        except Exception:  # noqa: BLE001 - graphql-core reports it, on the slow path
            return SLOW
        if type(out) not in INERT_OUT and (out is None or out is Undefined or is_awaitable(out)):
            return SLOW
        return out

    return generic


def _exact(kind: type, generic: Completion) -> Completion:
    """String and ID (a str), Boolean (a bool): a value of exactly that type is its own output."""

    def exact(value: Any) -> Any:
        return value if type(value) is kind else generic(value)

    return exact


def _int32(generic: Completion) -> Completion:
    def integer(value: Any) -> Any:
        return value if type(value) is int and MIN_INT <= value <= MAX_INT else generic(value)

    return integer


def _instant(generic: Completion) -> Completion:
    """strawberry's DateTime (and Date, Time): `value.isoformat()`. For an aware datetime in UTC
    that costs ~1 us, formatting the offset through the tzinfo; msgspec writes the same text with
    "Z" for "+00:00" in a fifth of the time."""

    def instant(value: Any) -> Any:
        if type(value) is dt.datetime and value.tzinfo is UTC:
            text = to_builtins(value)
            if text[-1:] == "Z":
                return text[:-1] + "+00:00"
        return generic(value)

    return instant


def _enum_names(named: GraphQLEnumType, wrapped: Any) -> dict[str, str]:
    """strawberry's enums: the GraphQL name of each member, worked out once by the type itself
    (keyed by the member's own name: a member's identity, without Enum's Python-level __hash__)."""
    names: dict[str, str] = {}
    for member in wrapped:
        try:
            name = named.coerce_output_value(member)
        except Exception:  # noqa: BLE001, S112 - a member it cannot name is left to the slow path
            continue
        if type(name) is str:
            names[member._name_] = name
    return names


def _enum(wrapped: Any, names: dict[str, str], generic: Completion) -> Completion:
    def enum(value: Any) -> Any:
        if type(value) is wrapped:
            name = names.get(value._name_)
            if name is not None:
                return name
        return generic(value)

    return enum


def nullable(inner: Completion) -> Completion:
    def completed(value: Any) -> Any:
        return None if value is None else inner(value)

    return completed


def listed(item: Completion, strings: bool = False) -> Completion:
    """A non-null list of leaves: all coerced, or SLOW if any one is not plainly valid.
    `strings`: the items are non-null String or ID, output as they are when of type str."""

    def items(value: Any) -> Any:
        kind = type(value)
        if kind is not list and kind is not tuple:
            return SLOW
        out: list[Any] = []
        append = out.append
        for each in value:
            done = item(each)
            if done is SLOW:
                return SLOW
            append(done)
        return out

    if not strings:
        return items

    def string_items(value: Any) -> Any:
        kind = type(value)
        if kind is not list and kind is not tuple:
            return SLOW
        for each in value:
            if type(each) is not str:
                return items(value)
        return list(value)

    return string_items
