"""The fast paths of the GraphQL endpoint, fenced: they lean on graphql-core's and strawberry's
internals (the execution context's methods, the schema converter's back-references, strawberry's
DateTime serializer, `validate_document`), so they live here, behind
FENGQIAO_GRAPHQL_EXECUTOR=fast (the default). With `stock`, interfaces/graphql/schema.py builds
the schema with strawberry's own execution and extensions, without importing this package; CI
runs tests/graphql both ways. After upgrading strawberry or graphql-core, run the fast mode's own
tests (test_fast_execution.py, test_operation_extension.py) before anything else.

`schema_options` gives what build_schema passes to strawberry: one extension (operation.py) that
does what AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache and ExpectedErrors
did, and `FastExecutor` (executor.py, with specs.py, values.py and fill.py), described below.

A faster graphql-core executor for strawberry: plain fields skip the per-field machinery.

graphql-core completes every field through `execute_field`: a GraphQLResolveInfo, strawberry's
resolver wrapper (an Info, argument conversion, the extension chain), then `complete_value`'s
type dispatch. That is ~7 us a field, and a queue of 100 cases has ~3,300 of them.

`FastExecutor` takes a shortcut for the fields where all of that is known to do nothing,
decided once per schema field (see `specs.spec_for`):

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
handed to graphql-core's own completion (`FastExecutor._complete_slow`), which produces exactly its usual
result and errors. The resolver is never called twice. A resolver that raises is reported with
graphql-core's `handle_field_error`, as `execute_field` does. Lists of objects are checked item
by item before any item is executed, so a fallback never runs an item's resolvers twice.

An object's fields are filled in by a function generated once per selection set (`fill.compile_fill`):
straight-line code reading each attribute and checking the common types inline, calling back
into the executor for anything else, in the order of the selection (the order of the answer's
keys). A list of objects (also a root field's answer, via `complete_value`) is filled item by
item the same way, without graphql-core's five calls an item.

Everything else (root fields, resolvers taking `info` or arguments, async resolvers, abstract
types, introspection, @defer/@stream if the schema ever has them) goes through graphql-core
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from strawberry.extensions import SchemaExtension

from interfaces.graphql.fast.executor import FastExecutor
from interfaces.graphql.fast.operation import Documents, Operation


def schema_options(
    rules: Sequence[type], *, max_tokens: int, cached: int, mask: bool
) -> tuple[list[Callable[[], SchemaExtension]], type]:
    """(extensions, execution context class) for strawberry.Schema: `rules` are the validation
    rules beyond the specified ones, built once; `cached` documents are kept parsed and validated,
    in one `Documents` per schema. A factory, not an instance: strawberry makes a fresh extension
    per request."""
    documents = Documents(rules, max_tokens=max_tokens, maxsize=cached)

    def operation() -> SchemaExtension:
        return Operation(documents, mask=mask)

    return [operation], FastExecutor


__all__ = ["FastExecutor", "schema_options"]
