"""One schema extension for what five did per request: validation rules, the token limit, the
parse and validation caches, and the error codes.

strawberry's AddValidationRules, MaxTokensLimiter, ParserCache and ValidationCache plus our
ExpectedErrors were five extension objects per request, each with its own hook context managers
on every phase, and ValidationCache's key hashed the whole document AST on every request. This
extension does the same things in the same order with the same results:

- on_operation: the validation rules are appended to strawberry's (the same tuple as before:
  specified rules, depth and alias limits, then introspection off in production), the parser's
  max_tokens is set; afterwards every error gets its code (ExpectedErrors);
- on_parse: the document from an LRU cache of graphql-core's `parse` keyed by the query text
  and parse options, as ParserCache does (failures are not cached and raise as they did);
- on_validate: strawberry's own `validate_document`, cached per (schema, document object,
  rules). The parse cache hands back the same document object for the same text, so a hit
  costs a dict lookup instead of hashing the AST.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from functools import lru_cache
from threading import Lock
from typing import Any

from graphql import GraphQLError
from graphql.language.parser import parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from interfaces.graphql.errors import mark_errors


class Documents:
    """Parsed and validated documents of one schema, shared by its requests."""

    def __init__(self, rules: Sequence[type], max_tokens: int, maxsize: int = 256) -> None:
        self.rules = tuple(rules)
        self.max_tokens = max_tokens
        self.maxsize = maxsize
        self.parse = lru_cache(maxsize=maxsize)(parse)
        self._validated: OrderedDict[tuple[int, int, tuple[type, ...]], tuple[Any, Any, list[GraphQLError]]] = OrderedDict()
        self._lock = Lock()

    def validate(self, schema: Any, document: Any, rules: tuple[type, ...]) -> list[GraphQLError]:
        key = (id(schema), id(document), rules)
        with self._lock:
            held = self._validated.get(key)
            if held is not None and held[0] is schema and held[1] is document:
                self._validated.move_to_end(key)
                return held[2]
        errors = validate_document(schema, document, rules)
        with self._lock:
            self._validated[key] = (schema, document, errors)
            while len(self._validated) > self.maxsize:
                self._validated.popitem(last=False)
        return errors


class Operation(SchemaExtension):
    """Per request; `documents` is per schema (see the module's docstring)."""

    def __init__(self, documents: Documents, *, mask: bool = False) -> None:
        super().__init__()
        self.documents = documents
        self.mask = mask

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.documents.rules
        context.parse_options["max_tokens"] = self.documents.max_tokens
        yield
        mark_errors(self.execution_context, mask=self.mask)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.documents.parse(context.query, **context.parse_options)
        except GraphQLError:
            pass  # strawberry parses it again and answers the error as the operation's, coded like the rest
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.documents.validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield


__all__ = ["Documents", "Operation"]
