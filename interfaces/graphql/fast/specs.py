"""Per schema field and per selection set: whether a field can take the fast path and how
(`spec_for`, once per schema field), and the plan of one selection set on one object type."""

from __future__ import annotations

import keyword
import operator
from collections.abc import Callable
from typing import Any

from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from interfaces.graphql.fast.values import leaf, listed, nullable

# What a field's fast path does with the value its resolver gave.
LEAF, OBJECT, OBJECT_LIST = 1, 2, 3


class Spec:
    """How one schema field is resolved and completed on the fast path.

    `get(source)` gives the value (`attr` names the attribute when that is all it does);
    `complete(value)` gives the output or SLOW; for a leaf, `nullable` and `complete_nn` (the
    completion of a non-null value) and `inline` (what the generated code checks itself: "str",
    "int", "bool", "utc" (a datetime in UTC for strawberry's DateTime), "enum" or None) let the
    fill function do most of it inline."""

    __slots__ = (
        "attr", "coerce", "complete", "complete_nn", "enum_class", "enum_names", "field_def", "get", "inline",
        "item_non_null", "item_type", "kind", "non_null", "nullable", "object_type",
    )

    def __init__(self, field_def: Any, get: Callable[[Any], Any], attr: str | None, kind: int) -> None:
        self.field_def = field_def
        self.get = get
        self.attr = attr
        self.kind = kind
        self.complete: Callable[[Any], Any] | None = None
        self.complete_nn: Callable[[Any], Any] | None = None
        self.nullable = False
        self.inline: str | None = None
        self.coerce: Callable[[Any], Any] | None = None  # a scalar's own coercion, for `generic` inline
        self.enum_class: type | None = None
        self.enum_names: dict[str, str] | None = None
        self.object_type: GraphQLObjectType | None = None
        self.non_null = False
        self.item_type: Any = None
        self.item_non_null = False


def _getter(field_def: Any) -> tuple[Callable[[Any], Any], str | None] | None:
    """The plain function that gives the field's value from its parent (and the attribute's name
    when it reads one), or None if the field is not plain enough for the fast path."""
    if field_def.resolve is None or field_def.args:
        return None
    field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField):
        return None
    if type(field).get_result is not StrawberryField.get_result:
        return None
    if field.extensions or getattr(field, "permission_classes", None) or field.is_subscription:
        return None
    resolver = field.base_resolver
    if resolver is None:
        # strawberry's basic field: `default_resolver(source, python_name)`, getattr by default
        if field.default_resolver is not getattr or not getattr(field_def.resolve, "_is_default", False):
            return None
        name = field.python_name
        plain_name = isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("__")
        return operator.attrgetter(name), name if plain_name else None
    if resolver.is_async or resolver.arguments or field.arguments:
        return None
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    func = resolver.wrapped_func
    if not callable(func):
        return None
    if resolver.self_parameter is not None:
        return func, None
    return (lambda _source: func()), None


def list_shape(type_: Any) -> tuple[GraphQLObjectType, Any, bool] | None:
    """(object type, item type, item non-null) of [Object] / [Object!] / ...! without is_type_of."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(inner, GraphQLList):
        return None
    item_type = inner.of_type
    item_non_null = isinstance(item_type, GraphQLNonNull)
    named = item_type.of_type if item_non_null else item_type
    if isinstance(named, GraphQLObjectType) and named.is_type_of is None:
        return named, item_type, item_non_null
    return None


def spec_for(field_def: Any, is_awaitable: Callable[[Any], bool]) -> Spec | None:
    found = _getter(field_def)
    if found is None:
        return None
    get, attr = found
    type_ = field_def.type
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if non_null else type_
    if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
        spec = Spec(field_def, get, attr, LEAF)
        spec.complete_nn, spec.inline, enum = leaf(inner, is_awaitable)
        if enum is not None:
            spec.enum_class, spec.enum_names = enum
        elif spec.inline is None:
            spec.coerce = inner.coerce_output_value
    elif isinstance(inner, GraphQLList) and isinstance(
        inner.of_type.of_type if isinstance(inner.of_type, GraphQLNonNull) else inner.of_type,
        (GraphQLScalarType, GraphQLEnumType),
    ):
        item_non_null = isinstance(inner.of_type, GraphQLNonNull)
        item, item_inline, _enum = leaf(inner.of_type.of_type if item_non_null else inner.of_type, is_awaitable)
        spec = Spec(field_def, get, attr, LEAF)
        spec.complete_nn = listed(item if item_non_null else nullable(item), strings=item_non_null and item_inline == "str")
    elif isinstance(inner, GraphQLObjectType):
        if inner.is_type_of is not None:
            return None
        spec = Spec(field_def, get, attr, OBJECT)
        spec.object_type = inner
    else:
        shape = list_shape(type_)
        if shape is None:
            return None
        spec = Spec(field_def, get, attr, OBJECT_LIST)
        spec.object_type, spec.item_type, spec.item_non_null = shape
    spec.non_null = non_null
    if spec.kind == LEAF:
        spec.nullable = not non_null
        assert spec.complete_nn is not None
        spec.complete = spec.complete_nn if non_null else nullable(spec.complete_nn)
    return spec



class Plan:
    """One selection set on one object type, for one request: per field (response name, field
    details, spec or None); and the function that fills in an object's answer."""

    __slots__ = ("entries", "fill", "parent_name", "parent_type")

    def __init__(self, parent_type: GraphQLObjectType, entries: list[tuple[str, Any, Spec | None]], fill: Callable[..., None]) -> None:
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.entries = entries
        self.fill = fill

