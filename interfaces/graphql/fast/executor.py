"""FastExecutor: strawberry's graphql-core execution context with a fast path for plain fields
(see interfaces/graphql/fast/__init__.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from interfaces.graphql.fast.fill import compile_fill, fill_loop
from interfaces.graphql.fast.specs import OBJECT, Plan, Spec, list_shape, spec_for
from interfaces.graphql.fast.values import INERT, SLOW, inert

# Compiled fill functions kept per schema, at most this many (then the generic loop is used).
_MAX_COMPILED = 2048


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor with a fast path for plain fields (see interfaces/graphql/fast/__init__.py)."""

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
        self._specs: dict[int, tuple[Any, Spec | None]] = cache[0]
        self._fills: dict[tuple[Any, ...], tuple[Any, Any, Callable[..., None]]] = cache[1]
        # per request: {id(grouped_field_set): (grouped_field_set, plan)}
        self._plans: dict[int, tuple[Any, Plan]] = {}
        # per request: {id(field details): (field details, object type, plan)}; collect_subfields
        # is memoized the same way, this saves its call and the plan's look-up for each list
        self._subplans: dict[int, tuple[Any, GraphQLObjectType, Plan]] = {}
        # per request: {id(type): (type, (object type, item type, item non-null) or None)}
        self._list_shapes: dict[int, tuple[Any, tuple[GraphQLObjectType, Any, bool] | None]] = {}

    def _spec_of(self, field_def: Any) -> Spec | None:
        held = self._specs.get(id(field_def))
        if held is None or held[0] is not field_def:
            held = (field_def, spec_for(field_def, self.is_awaitable))
            self._specs[id(field_def)] = held
        return held[1]

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan:
        held = self._plans.get(id(grouped_field_set))
        if held is not None and held[0] is grouped_field_set:
            return held[1]
        entries: list[tuple[str, Any, Spec | None]] = []
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
            fill = compile_fill(specs, names, self.is_awaitable)
            self._fills[key] = (parent_type, specs, fill)
        else:
            fill = fill_loop
        plan = Plan(parent_type, entries, fill)
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
    def _field_path(plan: Plan, name: str, path: Path | None, index: int | None) -> Path:
        return Path(path if index is None else Path(path, index, None), name, plan.parent_name)

    def _fill_error(self, plan: Plan, i: int, error: Exception, row: dict[str, Any], path: Path | None, index: int | None) -> None:
        """The resolver raised: as `execute_field` does (raises again for a non-null field)."""
        name, field_details_list, spec = plan.entries[i]
        self.handle_field_error(error, spec.field_def.type, field_details_list, self._field_path(plan, name, path, index))  # type: ignore[union-attr]
        row[name] = None

    def _fill_slow(
        self, plan: Plan, i: int, value: Any, row: dict[str, Any], path: Path | None, index: int | None, awaitables: list[str]
    ) -> None:
        """A leaf value not plainly valid: graphql-core completes it."""
        name, field_details_list, spec = plan.entries[i]
        result = self._complete_slow(plan.parent_type, field_details_list, spec, self._field_path(plan, name, path, index), value)  # type: ignore[arg-type]
        row[name] = result
        if self.is_awaitable(result):
            awaitables.append(name)

    def _fill_other(
        self, plan: Plan, i: int, source: Any, row: dict[str, Any], path: Path | None, index: int | None, awaitables: list[str]
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
            if spec.kind == OBJECT:
                result = self._complete_object(plan.parent_type, field_details_list, spec, field_path, value)
            else:
                result = self._complete_object_list(plan.parent_type, field_details_list, spec, field_path, value)
        row[name] = result
        if self.is_awaitable(result):
            awaitables.append(name)

    # --- graphql-core's own completion, for a value already resolved ----------------------------

    def _complete_slow(
        self, parent_type: GraphQLObjectType, field_details_list: Any, spec: Spec, path: Path, result: Any
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
        self, parent_type: GraphQLObjectType, field_details_list: Any, spec: Spec, path: Path, value: Any
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
        self, parent_type: GraphQLObjectType, field_details_list: Any, spec: Spec, path: Path, value: Any
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
        if completed is SLOW:
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
                held = (return_type, list_shape(return_type))
                self._list_shapes[id(return_type)] = held
            shape = held[1]
            if shape is not None:
                completed = self._objects(shape[0], shape[1], shape[2], field_details_list, path, result)
                if completed is not SLOW:
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
        awaitable of it, raising as graphql-core does; or SLOW, before anything was executed,
        when graphql-core should do it (not a list or tuple, an item that is an exception or
        awaitable, a null item where non-null is required, @defer)."""
        kind = type(value)
        if kind is not list and kind is not tuple:
            return SLOW
        if not _plain_items(value, item_non_null, self.is_awaitable):
            return SLOW
        plan = self._subplan(object_type, field_details_list)
        if plan is None:
            return SLOW
        return self._fill_items(plan, item_type, field_details_list, path, value)

    def _subplan(self, object_type: GraphQLObjectType, field_details_list: Any) -> Plan | None:
        """The plan of the items' selection set, or None when graphql-core should collect it."""
        held = self._subplans.get(id(field_details_list))
        if held is not None and held[0] is field_details_list and held[1] is object_type:
            return held[2]
        try:
            collected = self.collect_subfields(object_type, field_details_list)
        except Exception:  # noqa: BLE001 - graphql-core reports it where it arises
            return None
        grouped_field_set, new_defer_usages, _forbidden = collected
        if new_defer_usages:  # not with this schema (no @defer), but graphql-core knows how
            return None
        plan = self._plan(object_type, grouped_field_set)
        self._subplans[id(field_details_list)] = (field_details_list, object_type, plan)
        return plan

    def _fill_items(self, plan: Plan, item_type: Any, field_details_list: Any, path: Path, value: Any) -> Any:
        """Each item's fields filled in by the plan, as complete_list_item_value would."""
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


def _plain_items(value: Any, item_non_null: bool, is_awaitable: Callable[[Any], bool]) -> bool:
    """No item is an exception or awaitable (or null where non-null is required)."""
    plain_type: type | None = None  # the items' type, when it is one that needs no checks
    for item in value:
        cls = type(item)
        if cls is plain_type:
            continue
        if item is None:
            if item_non_null:
                return False
        elif INERT.get(cls) or inert(cls):
            plain_type = cls
        elif item is Undefined or isinstance(item, Exception) or is_awaitable(item):
            return False
    return True


__all__ = ["FastExecutor"]
