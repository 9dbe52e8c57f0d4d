"""Every text argument of a root query field, and every text field of its input objects, is
checked for control characters before the resolver runs: BAD_USER_INPUT naming the argument.
A NUL would otherwise reach PostgreSQL, which refuses it in any text parameter (INTERNAL)."""

from __future__ import annotations

import dataclasses
from typing import Any

from strawberry.extensions import FieldExtension

from application.bounds import query_text


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def check(value: Any, path: str) -> None:
    if isinstance(value, str):
        query_text(value, path)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check(item, path)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):  # a strawberry input object
        for f in dataclasses.fields(value):
            check(getattr(value, f.name), f"{path}.{_camel(f.name)}")


def check_arguments(kwargs: dict[str, Any]) -> None:
    for name, value in kwargs.items():
        check(value, _camel(name))


class PlainArguments(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        check_arguments(kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        check_arguments(kwargs)
        return await next_(source, info, **kwargs)
