"""The GraphQL schema: queries over the read models, one module per feature (cases, queues,
timeline, supervision, audit), and mutations over the same use cases as REST.

`build_schema` runs it with our fast executor and one combined extension (interfaces/graphql/fast,
the default), or with strawberry's stock execution and extensions; the answers are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from interfaces.graphql.audit import AuditQuery
from interfaces.graphql.cases import CasesQuery
from interfaces.graphql.errors import ExpectedErrors, is_expected
from interfaces.graphql.feeds import FeedsQuery
from interfaces.graphql.mutations import Mutation
from interfaces.graphql.plain import PlainArguments
from interfaces.graphql.queues import QueuesQuery
from interfaces.graphql.supervision import SupervisionQuery
from interfaces.graphql.timeline import TimelineQuery

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 4000
PARSED_DOCUMENTS = 256  # parsed and validated documents kept

FAST, STOCK = "fast", "stock"
EXECUTORS = (FAST, STOCK)

Query = merge_types("Query", (CasesQuery, QueuesQuery, TimelineQuery, SupervisionQuery, AuditQuery, FeedsQuery))
for _root_field in Query.__strawberry_definition__.fields:  # type: ignore[attr-defined]
    if _root_field.arguments:  # every root field's text arguments are checked (interfaces/graphql/plain.py)
        _root_field.extensions.append(PlainArguments())


class QuietSchema(strawberry.Schema):
    """Logs only unexpected errors: a caller's NOT_FOUND or FORBIDDEN is an answer, not a fault."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        unexpected = [e for e in errors if not is_expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, production: bool, executor: str = FAST) -> strawberry.Schema:
    """The schema, run by `executor`: FAST (interfaces/graphql/fast) or STOCK (strawberry's own)."""
    rules = limit_rules(production=production)
    if executor == FAST:
        from interfaces.graphql.fast import schema_options

        extensions, execution_context_class = schema_options(
            rules, max_tokens=MAX_TOKENS, cached=PARSED_DOCUMENTS, mask=production
        )
        return QuietSchema(query=Query, mutation=Mutation, extensions=extensions, execution_context_class=execution_context_class)
    if executor == STOCK:
        return QuietSchema(query=Query, mutation=Mutation, extensions=stock_extensions(rules, production=production))
    raise ValueError(f"executor: expected one of {', '.join(EXECUTORS)}, got {executor!r}")


def limit_rules(*, production: bool) -> list[Any]:
    """The validation rules beyond the specified ones: depth and alias limits, then introspection
    off in production. Built once per schema: a new rule class per request would never hit the
    validation cache."""
    rules: list[Any] = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


class CodedParserCache(ParserCache):
    """strawberry's parse cache, but a document that does not parse is left to strawberry's own
    parse, which reports it as the operation's error (so it gets its code); raised from the
    extension, it would skip the extensions' end of the operation."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            pass
        yield


def stock_extensions(rules: list[Any], *, production: bool) -> list[Callable[[], SchemaExtension]]:
    """strawberry's extensions, and ours for the error codes (and masking in production).
    Factories: strawberry makes fresh extensions per request; the parse and validation caches
    are strawberry's own, shared across requests."""
    return [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: CodedParserCache(maxsize=PARSED_DOCUMENTS),
        lambda: ValidationCache(maxsize=PARSED_DOCUMENTS),
        lambda: ExpectedErrors(mask=production),
    ]


__all__ = ["EXECUTORS", "FAST", "MAX_ALIASES", "MAX_DEPTH", "MAX_TOKENS", "STOCK", "Query",
           "QuietSchema", "build_schema"]
