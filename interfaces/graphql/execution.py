"""A faster graphql-core executor for strawberry: plain fields skip the per-field machinery.

graphql-core completes every field through `execute_field`: a GraphQLResolveInfo, strawberry's
resolver wrapper (an Info, argument conversion, the extension chain), then `complete_value`'s
type dispatch. That is ~7 us a field, and a queue of 100 cases has ~3,300 of them.

`FastExecutor` takes a shortcut for the fields where all of that is known to do nothing,
decided once per schema field (see `_spec`):

- the field is strawberry's and plain: no arguments, no field extensions or permissions, no
  exception handlers, no middleware (no schema extension with a `resolve` hook), and either no
  resolver (the attribute is read, as strawberry's default resolver does) or a synchronous
  resolver that takes nothing but `self`;
- its type is a scalar or enum, a list of them, an object type without `is_type_of`, or a list of
  such objects (each possibly non-null).

The shortcut calls the resolver function (or reads the attribute) and coerces the value with the
type's own `coerce_output_value` (checking str, int, bool and enum members itself, and writing a
UTC datetime for strawberry's DateTime with msgspec: the same text, five times faster than
isoformat). It only ever takes the happy path: whenever the value is not
plainly valid (null where non-null is required, a value coercion rejects, an exception or an
awaitable returned, anything not a list where a list is expected), the value already obtained is
handed to graphql-core's own completion (`_complete_slow`), which produces exactly its usual
result and errors. The resolver is never called twice. A resolver that raises is reported with
graphql-core's `handle_field_error`, as `execute_field` does. Lists of objects are checked item
by item before any item is executed, so a fallback never runs an item's resolvers twice.

An object's fields are filled in by a function generated once per selection set (`_compile`):
straight-line code reading each attribute and checking the common types inline, calling back
into the executor for anything else, in the order of the selection (the order of the answer's
keys). A list of objects (also a root field's answer, via `complete_value`) is filled item by
item the same way, without graphql-core's five calls an item.

Everything else (root fields, resolvers taking `info` or arguments, async resolvers, abstract
types, introspection, @defer/@stream if the schema ever has them) goes through graphql-core
unchanged.
"""

from __future__ import annotations

import datetime as dt
import keyword
import operator
import types
from collections.abc import Awaitable, Callable
from decimal import Decimal
from threading import Lock
from typing import Any
from uuid import UUID

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from msgspec import to_builtins
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat
from strawberry.types.field import StrawberryField

_SLOW: Any = object()  # "not plainly valid: let graphql-core complete this value"

_MIN_INT, _MAX_INT = -2_147_483_648, 2_147_483_647
_UTC = dt.UTC

# What a field's fast path does with the value its resolver gave.
_LEAF, _OBJECT, _OBJECT_LIST = 1, 2, 3

# Compiled fill functions kept per schema, at most this many (then the generic loop is used).
_MAX_COMPILED = 2048


# --- values that need none of graphql-core's checks --------------------------------------------

# Types whose instances are never None, Undefined, an exception or awaitable, so the checks
# graphql-core makes around coercion can be skipped: builtins, and classes found to be so.
_INERT: dict[type, bool] = dict.fromkeys(
    (str, int, float, bool, dict, list, tuple, dt.datetime, dt.date, dt.time, Decimal, UUID), True
)
_INERT_OUT = frozenset({str, int, float, bool, dict, list})
_INERT_LOCK = Lock()


def _inert(cls: type) -> bool:
    """Can an instance of `cls` be None, Undefined, an exception or awaitable, as graphql-core
    sees it (`isinstance(value, Exception)`; CoroutineType, GeneratorType, `hasattr(value,
    "__await__")`)? Not if the class is plain: no instance __dict__ (so no per-instance
    __await__), no __await__, __getattr__, __getattribute__ or __class__ of its own, and none of
    those base types. (The metaclass does not matter: an instance's attributes are not looked up
    through it.)"""
    known = _INERT.get(cls)
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
        _INERT[cls] = plain
    return plain


# --- per schema field --------------------------------------------------------------------------


class _Spec:
    """How one schema field is resolved and completed on the fast path.

    `get(source)` gives the value (`attr` names the attribute when that is all it does);
    `complete(value)` gives the output or _SLOW; for a leaf, `nullable` and `complete_nn` (the
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


def _leaf(named: Any, is_awaitable: Callable[[Any], bool]) -> tuple[Callable[[Any], Any], str | None, Any]:
    """A non-null scalar or enum: (completion giving the coerced value or _SLOW, what can be
    checked inline, enum details)."""
    coerce = named.coerce_output_value

    def generic(value: Any) -> Any:
        cls = type(value)
        if not (_INERT.get(cls) or _inert(cls)) and (
            value is None or value is Undefined or isinstance(value, Exception) or is_awaitable(value)
        ):
            return _SLOW
        try:
            out = coerce(value)
        except Exception:  # noqa: BLE001 - graphql-core reports it, on the slow path
            return _SLOW
        if type(out) not in _INERT_OUT and (out is None or out is Undefined or is_awaitable(out)):
            return _SLOW
        return out

    if named is GraphQLString or named is GraphQLID:

        def string(value: Any) -> Any:
            return value if type(value) is str else generic(value)

        return string, "str", None
    if named is GraphQLInt:

        def integer(value: Any) -> Any:
            return value if type(value) is int and _MIN_INT <= value <= _MAX_INT else generic(value)

        return integer, "int", None
    if named is GraphQLBoolean:

        def boolean(value: Any) -> Any:
            return value if type(value) is bool else generic(value)

        return boolean, "bool", None
    if coerce is strawberry_isoformat:
        # strawberry's DateTime (and Date, Time): `value.isoformat()`. For an aware datetime in
        # UTC that costs ~1 us, formatting the offset through the tzinfo; msgspec writes the same
        # text with "Z" for "+00:00" in a fifth of the time.

        def instant(value: Any) -> Any:
            if type(value) is dt.datetime and value.tzinfo is _UTC:
                text = to_builtins(value)
                if text[-1:] == "Z":
                    return text[:-1] + "+00:00"
            return generic(value)

        return instant, "utc", None
    wrapped = getattr(named, "wrapped_cls", None)
    if isinstance(named, GraphQLEnumType) and isinstance(wrapped, type):
        # strawberry's enums: the GraphQL name of each member, worked out once by the type itself
        # (keyed by the member's own name: a member's identity, without Enum's Python-level __hash__)
        names: dict[str, str] = {}
        members: Any = wrapped
        for member in members:
            try:
                name = named.coerce_output_value(member)
            except Exception:  # noqa: BLE001, S112 - a member it cannot name is left to the slow path
                continue
            if type(name) is str:
                names[member._name_] = name

        def enum(value: Any) -> Any:
            if type(value) is wrapped:
                name = names.get(value._name_)  # type: ignore[attr-defined]
                if name is not None:
                    return name
            return generic(value)

        return enum, "enum", (wrapped, names)
    return generic, None, None


def _nullable(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def nullable(value: Any) -> Any:
        return None if value is None else inner(value)

    return nullable


def _list(item: Callable[[Any], Any], strings: bool = False) -> Callable[[Any], Any]:
    """A non-null list of leaves: all coerced, or _SLOW if any one is not plainly valid.
    `strings`: the items are non-null String or ID, output as they are when of type str."""

    def listed(value: Any) -> Any:
        kind = type(value)
        if kind is not list and kind is not tuple:
            return _SLOW
        out: list[Any] = []
        append = out.append
        for each in value:
            done = item(each)
            if done is _SLOW:
                return _SLOW
            append(done)
        return out

    if strings:

        def listed_strings(value: Any) -> Any:
            kind = type(value)
            if kind is not list and kind is not tuple:
                return _SLOW
            for each in value:
                if type(each) is not str:
                    return listed(value)
            return list(value)

        return listed_strings
    return listed


def _list_shape(type_: Any) -> tuple[GraphQLObjectType, Any, bool] | None:
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


def _spec(field_def: Any, is_awaitable: Callable[[Any], bool]) -> _Spec | None:
    found = _getter(field_def)
    if found is None:
        return None
    get, attr = found
    type_ = field_def.type
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if non_null else type_
    if isinstance(inner, (GraphQLScalarType, GraphQLEnumType)):
        spec = _Spec(field_def, get, attr, _LEAF)
        spec.complete_nn, spec.inline, enum = _leaf(inner, is_awaitable)
        if enum is not None:
            spec.enum_class, spec.enum_names = enum
        elif spec.inline is None:
            spec.coerce = inner.coerce_output_value
    elif isinstance(inner, GraphQLList) and isinstance(
        inner.of_type.of_type if isinstance(inner.of_type, GraphQLNonNull) else inner.of_type,
        (GraphQLScalarType, GraphQLEnumType),
    ):
        item_non_null = isinstance(inner.of_type, GraphQLNonNull)
        item, item_inline, _enum = _leaf(inner.of_type.of_type if item_non_null else inner.of_type, is_awaitable)
        spec = _Spec(field_def, get, attr, _LEAF)
        spec.complete_nn = _list(item if item_non_null else _nullable(item), strings=item_non_null and item_inline == "str")
    elif isinstance(inner, GraphQLObjectType):
        if inner.is_type_of is not None:
            return None
        spec = _Spec(field_def, get, attr, _OBJECT)
        spec.object_type = inner
    else:
        shape = _list_shape(type_)
        if shape is None:
            return None
        spec = _Spec(field_def, get, attr, _OBJECT_LIST)
        spec.object_type, spec.item_type, spec.item_non_null = shape
    spec.non_null = non_null
    if spec.kind == _LEAF:
        spec.nullable = not non_null
        assert spec.complete_nn is not None
        spec.complete = spec.complete_nn if non_null else _nullable(spec.complete_nn)
    return spec


# --- per selection set -------------------------------------------------------------------------


class _Plan:
    """One selection set on one object type, for one request: per field (response name, field
    details, spec or None); and the function that fills in an object's answer."""

    __slots__ = ("entries", "fill", "parent_name", "parent_type")

    def __init__(self, parent_type: GraphQLObjectType, entries: list[tuple[str, Any, _Spec | None]], fill: Callable[..., None]) -> None:
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.entries = entries
        self.fill = fill


def _compile(specs: tuple[_Spec | None, ...], names: tuple[str, ...], is_awaitable: Callable[[Any], bool]) -> Callable[..., None]:
    """fill(ex, plan, source, row, path, index, awaitables): every field of the selection into
    `row`, in order. A plain leaf is read and checked inline; anything else, and any value not
    plainly valid or a resolver that raised, goes to the executor's `_fill_*` methods, which
    do what `execute_field` does."""
    env: dict[str, Any] = {
        "_SLOW": _SLOW, "Exception": Exception, "_INERT": _INERT, "_inert": _inert, "_INERT_OUT": _INERT_OUT,
        "_Undefined": Undefined, "is_awaitable": is_awaitable, "_datetime": dt.datetime, "_UTC": _UTC,
        "_to_builtins": to_builtins,
    }
    lines = ["def fill(ex, plan, source, row, path, index, awaitables):"]
    add = lines.append
    for i, (name, spec) in enumerate(zip(names, specs, strict=True)):
        key = repr(name)
        if spec is None or spec.kind != _LEAF:
            add(f"    ex._fill_other(plan, {i}, source, row, path, index, awaitables)")
            continue
        if spec.attr is not None:
            read = f"source.{spec.attr}"
        else:
            env[f"get{i}"] = spec.get
            read = f"get{i}(source)"
        env[f"complete{i}"] = spec.complete_nn
        add("    try:")
        add(f"        v = {read}")
        add("    except Exception as e:")
        add(f"        ex._fill_error(plan, {i}, e, row, path, index)")
        add("    else:")
        branch = "if"
        if spec.nullable:
            add("        if v is None:")
            add(f"            row[{key}] = None")
            branch = "elif"
        if spec.inline == "str":
            add(f"        {branch} type(v) is str:")
            add(f"            row[{key}] = v")
        elif spec.inline == "int":
            add(f"        {branch} type(v) is int and {_MIN_INT} <= v <= {_MAX_INT}:")
            add(f"            row[{key}] = v")
        elif spec.inline == "bool":
            add(f"        {branch} type(v) is bool:")
            add(f"            row[{key}] = v")
        elif spec.inline == "utc":
            add(f"        {branch} type(v) is _datetime and v.tzinfo is _UTC and (s := _to_builtins(v))[-1:] == 'Z':")
            add(f"            row[{key}] = s[:-1] + '+00:00'")
        elif spec.inline == "enum":
            env[f"enum{i}"], env[f"names{i}"] = spec.enum_class, spec.enum_names
            add(f"        {branch} type(v) is enum{i} and (n := names{i}.get(v._name_)) is not None:")
            add(f"            row[{key}] = n")
        elif spec.coerce is not None:
            # another scalar: `generic` of _leaf, inline for a value of a type that needs no checks
            env[f"coerce{i}"] = spec.coerce
            add(f"        {branch} _INERT.get(type(v)) or _inert(type(v)):")
            add("            try:")
            add(f"                r = coerce{i}(v)")
            add("            except Exception:")
            add("                r = _SLOW")
            add("            else:")
            add("                if type(r) not in _INERT_OUT and (r is None or r is _Undefined or is_awaitable(r)):")
            add("                    r = _SLOW")
            add("            if r is _SLOW:")
            add(f"                ex._fill_slow(plan, {i}, v, row, path, index, awaitables)")
            add("            else:")
            add(f"                row[{key}] = r")
        else:
            branch = ""
        if branch:
            add("        else:")
            indent = "            "
        else:
            indent = "        "
        add(f"{indent}r = complete{i}(v)")
        add(f"{indent}if r is _SLOW:")
        add(f"{indent}    ex._fill_slow(plan, {i}, v, row, path, index, awaitables)")
        add(f"{indent}else:")
        add(f"{indent}    row[{key}] = r")
    if len(lines) == 1:
        add("    pass")
    code = compile("\n".join(lines), "<fengqiao fill>", "exec")
    exec(code, env)  # noqa: S102 - generated from the schema's own names and repr()'d response names
    return env["fill"]  # type: ignore[no-any-return]


def _fill_loop(ex: FastExecutor, plan: _Plan, source: Any, row: dict[str, Any], path: Path | None, index: int | None, awaitables: list[str]) -> None:
    """What the compiled fill functions do, as a loop (when too many have been compiled)."""
    for i, (name, _details, spec) in enumerate(plan.entries):
        if spec is None or spec.kind != _LEAF:
            ex._fill_other(plan, i, source, row, path, index, awaitables)
            continue
        try:
            value = spec.get(source)
        except Exception as e:  # noqa: BLE001 - as execute_field does
            ex._fill_error(plan, i, e, row, path, index)
            continue
        result = spec.complete(value)  # type: ignore[misc]
        if result is _SLOW:
            ex._fill_slow(plan, i, value, row, path, index, awaitables)
        else:
            row[name] = result


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor with a fast path for plain fields (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.schema
        middleware = self.middleware_manager
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        self._fast = (
            (middleware is None or not middleware.middlewares)
            and schema.get_directive("defer") is None
            and schema.get_directive("stream") is None
            and strawberry_schema is not None
            and not getattr(strawberry_schema, "exception_handlers", ())
        )
        # per schema, kept on it: specs {id(field_def): (field_def, spec or None)} and compiled
        # fill functions {(id(type), names, spec ids): (type, specs, fill)}
        cache = getattr(schema, "_fengqiao_fast", None)
        if cache is None:
            cache = ({}, {})
            schema._fengqiao_fast = cache  # type: ignore[attr-defined]
        self._specs: dict[int, tuple[Any, _Spec | None]] = cache[0]
        self._fills: dict[tuple[Any, ...], tuple[Any, Any, Callable[..., None]]] = cache[1]
        # per request: {id(grouped_field_set): (grouped_field_set, plan)}
        self._plans: dict[int, tuple[Any, _Plan]] = {}
        # per request: {id(field details): (field details, object type, plan)}; collect_subfields
        # is memoized the same way, this saves its call and the plan's look-up for each list
        self._subplans: dict[int, tuple[Any, GraphQLObjectType, _Plan]] = {}
        # per request: {id(type): (type, (object type, item type, item non-null) or None)}
        self._list_shapes: dict[int, tuple[Any, tuple[GraphQLObjectType, Any, bool] | None]] = {}

    def _spec_of(self, field_def: Any) -> _Spec | None:
        held = self._specs.get(id(field_def))
        if held is None or held[0] is not field_def:
            held = (field_def, _spec(field_def, self.is_awaitable))
            self._specs[id(field_def)] = held
        return held[1]

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan:
        held = self._plans.get(id(grouped_field_set))
        if held is not None and held[0] is grouped_field_set:
            return held[1]
        entries: list[tuple[str, Any, _Spec | None]] = []
        get_field = self.schema.get_field
        for response_name, field_details_list in grouped_field_set.items():
            first = field_details_list[0].node
            spec = None
            if not first.arguments:
                field_def = get_field(parent_type, first.name.value)
                if field_def is not None and field_def.resolve is not None:
                    spec = self._spec_of(field_def)
            entries.append((response_name, field_details_list, spec))
        names = tuple(entry[0] for entry in entries)
        specs = tuple(entry[2] for entry in entries)
        key = (id(parent_type), names, tuple(id(s) for s in specs))
        compiled = self._fills.get(key)
        if compiled is not None and compiled[0] is parent_type and all(a is b for a, b in zip(compiled[1], specs, strict=True)):
            fill = compiled[2]
        elif len(self._fills) < _MAX_COMPILED:
            fill = _compile(specs, names, self.is_awaitable)
            self._fills[key] = (parent_type, specs, fill)
        else:
            fill = _fill_loop
        plan = _Plan(parent_type, entries, fill)
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    # --- an object's fields ---------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if not self._fast or position_context is not None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        plan = self._plan(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        try:
            plan.fill(self, plan, source_value, results, path, None, awaitable_fields)
        except Exception:
            if awaitable_fields:
                # Ensure that awaitables created by other fields are settled (graphql-core's way)
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_row(results, awaitable_fields)

    @staticmethod
    def _field_path(plan: _Plan, name: str, path: Path | None, index: int | None) -> Path:
        return Path(path if index is None else Path(path, index, None), name, plan.parent_name)

    def _fill_error(self, plan: _Plan, i: int, error: Exception, row: dict[str, Any], path: Path | None, index: int | None) -> None:
        """The resolver raised: as `execute_field` does (raises again for a non-null field)."""
        name, field_details_list, spec = plan.entries[i]
        self.handle_field_error(error, spec.field_def.type, field_details_list, self._field_path(plan, name, path, index))  # type: ignore[union-attr]
        row[name] = None

    def _fill_slow(
        self, plan: _Plan, i: int, value: Any, row: dict[str, Any], path: Path | None, index: int | None, awaitables: list[str]
    ) -> None:
        """A leaf value not plainly valid: graphql-core completes it."""
        name, field_details_list, spec = plan.entries[i]
        result = self._complete_slow(plan.parent_type, field_details_list, spec, self._field_path(plan, name, path, index), value)  # type: ignore[arg-type]
        row[name] = result
        if self.is_awaitable(result):
            awaitables.append(name)

    def _fill_other(
        self, plan: _Plan, i: int, source: Any, row: dict[str, Any], path: Path | None, index: int | None, awaitables: list[str]
    ) -> None:
        """A field that is not a plain leaf: an object or list of objects read plainly, or
        graphql-core's `execute_field`."""
        name, field_details_list, spec = plan.entries[i]
        field_path = self._field_path(plan, name, path, index)
        if spec is None:
            result = self.execute_field(plan.parent_type, source, field_details_list, field_path, None)
            if result is Undefined:
                return
        else:
            try:
                value = spec.get(source)
            except Exception as raw_error:  # noqa: BLE001 - as execute_field does
                self.handle_field_error(raw_error, spec.field_def.type, field_details_list, field_path)
                row[name] = None
                return
            if spec.kind == _OBJECT:
                result = self._complete_object(plan.parent_type, field_details_list, spec, field_path, value)
            else:
                result = self._complete_object_list(plan.parent_type, field_details_list, spec, field_path, value)
        row[name] = result
        if self.is_awaitable(result):
            awaitables.append(name)

    # --- graphql-core's own completion, for a value already resolved ----------------------------

    def _complete_slow(
        self, parent_type: GraphQLObjectType, field_details_list: Any, spec: _Spec, path: Path, result: Any
    ) -> Any:
        """`execute_field` after its resolver call, verbatim in effect."""
        field_def = spec.field_def
        return_type = field_def.type
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, field_details_list, info, path, result, None)
            completed = self.complete_value(return_type, field_details_list, info, path, result, None)
            if self.is_awaitable(completed):
                return self._guard(completed, return_type, field_details_list, path)
        except Exception as raw_error:  # noqa: BLE001
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    def _settled(self, complete: Callable[[], Any], return_type: Any, field_details_list: Any, path: Path) -> Any:
        """`complete()` with `execute_field`'s error handling: an error, now or when awaited,
        goes to `handle_field_error` and the field is null."""
        try:
            completed = complete()
        except Exception as raw_error:  # noqa: BLE001
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._guard(completed, return_type, field_details_list, path)
        return completed

    async def _guard(self, completed: Awaitable[Any], return_type: Any, field_details_list: Any, path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    # --- objects ---------------------------------------------------------------------------------

    def _complete_object(
        self, parent_type: GraphQLObjectType, field_details_list: Any, spec: _Spec, path: Path, value: Any
    ) -> Any:
        """A field whose type is an object: `execute_field` after the resolver call."""
        if value is None:
            if spec.non_null:
                return self._complete_slow(parent_type, field_details_list, spec, path, value)
            return None
        if value is Undefined or isinstance(value, Exception) or self.is_awaitable(value):
            return self._complete_slow(parent_type, field_details_list, spec, path, value)
        return self._settled(
            lambda: self.collect_and_execute_subfields(spec.object_type, field_details_list, path, value, None),  # type: ignore[arg-type]
            spec.field_def.type, field_details_list, path,
        )

    def _complete_object_list(
        self, parent_type: GraphQLObjectType, field_details_list: Any, spec: _Spec, path: Path, value: Any
    ) -> Any:
        """A field whose type is a list of objects: `execute_field` after the resolver call."""
        if value is None:
            if spec.non_null:
                return self._complete_slow(parent_type, field_details_list, spec, path, value)
            return None
        completed = self._settled(
            lambda: self._objects(spec.object_type, spec.item_type, spec.item_non_null, field_details_list, path, value),  # type: ignore[arg-type]
            spec.field_def.type, field_details_list, path,
        )
        if completed is _SLOW:
            return self._complete_slow(parent_type, field_details_list, spec, path, value)
        return completed

    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, but a list of objects (a root field's answer, say) is completed by
        `_objects` when it can be."""
        kind = type(result)
        if (kind is list or kind is tuple) and self._fast and position_context is None:
            held = self._list_shapes.get(id(return_type))
            if held is None or held[0] is not return_type:
                held = (return_type, _list_shape(return_type))
                self._list_shapes[id(return_type)] = held
            shape = held[1]
            if shape is not None:
                completed = self._objects(shape[0], shape[1], shape[2], field_details_list, path, result)
                if completed is not _SLOW:
                    return completed
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _objects(
        self,
        object_type: GraphQLObjectType,
        item_type: Any,
        item_non_null: bool,
        field_details_list: Any,
        path: Path,
        value: Any,
    ) -> Any:
        """graphql-core's `complete_iterable_value` for a list of objects without is_type_of,
        each item's fields filled in as `execute_fields` would: the completed list or an
        awaitable of it, raising as graphql-core does; or _SLOW, before anything was executed,
        when graphql-core should do it (not a list or tuple, an item that is an exception or
        awaitable, a null item where non-null is required, @defer)."""
        kind = type(value)
        if kind is not list and kind is not tuple:
            return _SLOW
        is_awaitable = self.is_awaitable
        plain_type: type | None = None  # the items' type, when it is one that needs no checks
        for item in value:
            cls = type(item)
            if cls is plain_type:
                continue
            if item is None:
                if item_non_null:
                    return _SLOW
            elif _INERT.get(cls) or _inert(cls):
                plain_type = cls
            elif item is Undefined or isinstance(item, Exception) or is_awaitable(item):
                return _SLOW
        held = self._subplans.get(id(field_details_list))
        if held is not None and held[0] is field_details_list and held[1] is object_type:
            plan = held[2]
        else:
            try:
                collected = self.collect_subfields(object_type, field_details_list)
            except Exception:  # noqa: BLE001 - graphql-core reports it where it arises
                return _SLOW
            grouped_field_set, new_defer_usages, _forbidden = collected
            if new_defer_usages:  # not with this schema (no @defer), but graphql-core knows how
                return _SLOW
            plan = self._plan(object_type, grouped_field_set)
            self._subplans[id(field_details_list)] = (field_details_list, object_type, plan)
        fill = plan.fill
        completed: list[Any] = []
        append = completed.append
        awaitable_indices: list[int] = []
        awaitable_fields: list[str] = []
        try:
            for index, item in enumerate(value):
                if item is None:
                    append(None)
                    continue
                row: dict[str, Any] = {}
                try:
                    fill(self, plan, item, row, path, index, awaitable_fields)
                except Exception as raw_error:  # noqa: BLE001 - execute_fields, then complete_list_item_value
                    if awaitable_fields:
                        self.settle_in_background([row[field] for field in awaitable_fields])
                        awaitable_fields = []
                    self.handle_field_error(raw_error, item_type, field_details_list, Path(path, index, None))
                    append(None)
                    continue
                if awaitable_fields:
                    item_path = Path(path, index, None)
                    append(self._guard(self._gather_row(row, awaitable_fields), item_type, field_details_list, item_path))
                    awaitable_indices.append(index)
                    awaitable_fields = []
                else:
                    append(row)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        if awaitable_indices:
            return self._gather_items(completed, awaitable_indices)
        return completed

    @staticmethod
    async def _gather_row(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        """execute_fields' get_results."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    @staticmethod
    async def _gather_items(completed: list[Any], awaitable_indices: list[int]) -> list[Any]:
        """complete_iterable_value's get_completed_results."""
        if len(awaitable_indices) == 1:
            index = awaitable_indices[0]
            completed[index] = await completed[index]
        else:
            awaited = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
            for index, sub_result in zip(awaitable_indices, awaited, strict=True):
                completed[index] = sub_result
        return completed


__all__ = ["FastExecutor"]
