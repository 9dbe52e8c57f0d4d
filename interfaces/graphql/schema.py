"""The GraphQL schema: queries over the read models, one module per feature (cases, queues,
timeline, supervision, audit), and mutations over the same use cases as REST.

`build_schema` runs it with our fast executor and one combined extension (interfaces/graphql/fast).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from interfaces.graphql.audit import AuditQuery
from interfaces.graphql.cases import PERSONAL_DATA_ROLES, CasesQuery
from interfaces.graphql.errors import is_expected
from interfaces.graphql.mutations import Mutation
from interfaces.graphql.queues import QueuesQuery
from interfaces.graphql.supervision import SupervisionQuery
from interfaces.graphql.timeline import TimelineQuery

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 4000
PARSED_DOCUMENTS = 256  # parsed and validated documents kept

Query = merge_types("Query", (CasesQuery, QueuesQuery, TimelineQuery, SupervisionQuery, AuditQuery))


class QuietSchema(strawberry.Schema):
    """Logs only unexpected errors: a caller's NOT_FOUND or FORBIDDEN is an answer, not a fault."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        unexpected = [e for e in errors if not is_expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(*, production: bool) -> strawberry.Schema:
    from interfaces.graphql.fast import schema_options

    rules = limit_rules(production=production)
    extensions, execution_context_class = schema_options(
        rules, max_tokens=MAX_TOKENS, cached=PARSED_DOCUMENTS, mask=production
    )
    return QuietSchema(query=Query, mutation=Mutation, extensions=extensions, execution_context_class=execution_context_class)


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


__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_TOKENS", "PERSONAL_DATA_ROLES", "Query", "QuietSchema", "build_schema"]
