"""The fast executor (interfaces/graphql/fast/) answers exactly as graphql-core does.

A small schema full of awkward values (nulls where non-null is required, values coercion
rejects, resolvers that raise or return awaitables, lists with bad items, nested objects, async
fields next to plain ones) is executed twice, with strawberry's own executor and with ours; the
data and the errors (messages, paths, locations, order) must be identical. No database needed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Coroutine
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from interfaces.graphql.fast.executor import FastExecutor


@strawberry.enum
class Color(Enum):
    RED = "red"
    GREEN = "green"


class Opaque:
    """Not a builtin: String coerces it with str()."""

    def __str__(self) -> str:
        return "opaque!"


class Later:
    """Stands for an awaitable in DATA; each execution gets a fresh coroutine (see `_fresh`)."""

    def __init__(self, value: Any = None, fail: bool = False) -> None:
        self.value = value
        self.fail = fail

    async def run(self) -> Any:
        await asyncio.sleep(0)
        if self.fail:
            raise ValueError("later boom")
        return self.value


@strawberry.type
class Plain:
    s: str
    n: int
    maybe: str | None
    color: Color
    tags: list[str]
    opt_tags: list[str | None] | None
    when: dt.datetime
    blob: JSON
    flag: bool
    ratio: float | None


@strawberry.type
class Item:
    raw: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def value(self) -> int:
        return _fresh(self.raw["value"])  # type: ignore[no-any-return]

    @strawberry.field
    def name(self) -> str:
        return _get(self.raw, "name")  # type: ignore[return-value]

    @strawberry.field
    def optional(self) -> str | None:
        return _get(self.raw, "optional")

    @strawberry.field
    def color(self) -> Color:
        return _get(self.raw, "color")  # type: ignore[return-value]

    @strawberry.field
    def maybe_color(self) -> Color | None:
        return _get(self.raw, "maybe_color")

    @strawberry.field
    def numbers(self) -> list[int]:
        return _get(self.raw, "numbers")  # type: ignore[return-value]

    @strawberry.field
    def maybe_numbers(self) -> list[int | None] | None:
        return _get(self.raw, "maybe_numbers")

    @strawberry.field
    def strict_numbers(self) -> list[int] | None:
        return _get(self.raw, "strict_numbers")

    @strawberry.field
    def fail(self) -> str | None:
        raise ValueError(f"boom {_get(self.raw, 'value')}")

    @strawberry.field
    def fail_required(self) -> str:
        if _get(self.raw, "fail_required"):
            raise ValueError("required boom")
        return "fine"

    @strawberry.field
    def awaited(self) -> str | None:
        return _get(self.raw, "awaited")  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> str | None:
        await asyncio.sleep(0)
        return _get(self.raw, "later")

    @strawberry.field
    def with_info(self, info: Info) -> str:
        return info.path.key  # type: ignore[return-value]

    @strawberry.field
    def with_arg(self, times: int = 1) -> str:
        return "x" * times

    @strawberry.field
    def when(self) -> dt.datetime | None:
        return _get(self.raw, "when")

    @strawberry.field
    def blob(self) -> JSON | None:
        return _get(self.raw, "blob")

    @strawberry.field
    def ratio(self) -> float | None:
        return _get(self.raw, "ratio")

    @strawberry.field
    def ident(self) -> strawberry.ID | None:
        return _get(self.raw, "ident")

    @strawberry.field
    def text(self) -> str | None:
        return _get(self.raw, "text")

    @strawberry.field
    def child(self) -> Item | None:
        c = _get(self.raw, "child")
        return c if not isinstance(c, dict) else Item(raw=c)

    @strawberry.field
    def required_child(self) -> Item:
        c = _get(self.raw, "required_child")
        return c if not isinstance(c, dict) else Item(raw=c)  # type: ignore[return-value]

    @strawberry.field
    def children(self) -> list[Item]:
        return _items(_get(self.raw, "children", []))  # type: ignore[return-value]

    @strawberry.field
    def maybe_children(self) -> list[Item | None] | None:
        return _items(_get(self.raw, "maybe_children"))  # type: ignore[return-value]

    @strawberry.field
    def plain(self) -> Plain | None:
        return _get(self.raw, "plain")


def _get(raw: dict[str, Any], key: str, default: Any = None) -> Any:
    return _fresh(raw.get(key, default))


def _items(raw: Any) -> Any:
    if isinstance(raw, list):
        return [Item(raw=r) if isinstance(r, dict) else r for r in raw]
    return raw


GOOD_PLAIN = Plain(
    s="s", n=1, maybe=None, color=Color.RED, tags=["a", "b"], opt_tags=["a", None], when=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    blob={"k": [1, 2, {"z": None}]}, flag=True, ratio=0.5,
)

DATA: list[Any] = [
    {"value": 1, "name": "one", "color": Color.GREEN, "numbers": [1, 2], "children": [{"value": 11, "name": "c"}],
     "plain": GOOD_PLAIN, "when": dt.datetime(2026, 6, 10, 8, 0, tzinfo=dt.UTC), "blob": {"a": "中文"}, "ratio": 1.5,
     "ident": "id-1", "text": "文本"},
    {"value": "7", "name": None, "color": "green", "numbers": [1, None, 3], "maybe_numbers": [1, None, "x"],
     "strict_numbers": [1, None]},
    {"value": 2**40, "name": 5, "color": "nope", "maybe_color": "purple", "fail_required": True, "numbers": "12"},
    {"value": 3, "name": Opaque(), "color": Color.RED, "maybe_color": Color.GREEN, "numbers": (4, 5), "awaited": Later("late"),
     "later": "l", "child": {"value": 31, "name": None}, "required_child": {"value": 32, "name": "rc"},
     "children": [{"value": 33, "name": "ok"}, {"value": 34, "name": None}], "maybe_children": [None, {"value": 35, "name": "m"}]},
    {"value": True, "name": "bool", "numbers": [], "required_child": None, "maybe_children": [{"value": None, "name": "v"}],
     "when": "not a datetime", "blob": Later({"x": 1}), "ratio": float("nan"), "ident": 42, "text": True},
    {"value": 4, "name": "awaitable child", "color": Color.RED, "numbers": [True], "children": [{"value": 41, "name": "a", "later": "x"}],
     "child": Later(None), "plain": Plain(s=None, n="n", maybe=3, color="red", tags=None, opt_tags=[None, 1], when=None,  # type: ignore[arg-type]
                                          blob=Later(fail=True), flag="yes", ratio="0.25")},  # type: ignore[arg-type]
    {"value": 5, "name": "exc", "color": Color.GREEN, "numbers": [ValueError("in list")], "text": ValueError("as value"),
     "children": "not a list", "maybe_children": [ValueError("item")]},
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(raw=d) for d in DATA]

    @strawberry.field
    def maybe_items(self) -> list[Item | None] | None:
        return [Item(raw=d) for d in DATA]

    @strawberry.field
    def item(self, n: int) -> Item | None:
        return Item(raw=DATA[n])

    @strawberry.field
    def required_item(self, n: int) -> Item:
        return Item(raw=DATA[n])

    @strawberry.field
    def broken(self) -> list[Plain | None]:
        """Objects without the attributes a Plain is read from (AttributeError, as getattr raises)."""
        return [GOOD_PLAIN, Later(1), GOOD_PLAIN]  # type: ignore[list-item]

    @strawberry.field
    async def async_items(self) -> list[Item] | None:
        await asyncio.sleep(0)
        return [Item(raw=d) for d in DATA[:2]]


_MADE: list[Coroutine[Any, Any, Any]] = []  # the coroutines of one execution (see `_answer`)


def _fresh(value: Any) -> Any:
    """A Later becomes a new coroutine when a resolver reads it; a Plain gets new ones."""
    if isinstance(value, Later):
        coroutine = value.run()
        _MADE.append(coroutine)
        return coroutine
    if isinstance(value, Plain):
        return Plain(**{k: _fresh(v) for k, v in value.__dict__.items()})
    return value


SCHEMAS = {
    "graphql-core": strawberry.Schema(query=Query),
    "fast": strawberry.Schema(query=Query, execution_context_class=FastExecutor),
}

ITEM_FIELDS = """
    value name optional color maybeColor numbers maybeNumbers strictNumbers fail failRequired awaited later
    withInfo withArg withArg3: withArg(times: 3) when blob ratio ident text __typename
    alias: name
    child { value name }
    requiredChild { value name }
    children { value name later }
    maybeChildren { value name }
    plain { s n maybe color tags optTags when blob flag ratio }
"""

QUERIES = [
    "{ items { " + ITEM_FIELDS + " } }",
    "{ maybeItems { " + ITEM_FIELDS + " } }",
    *(f"{{ item(n: {n}) {{ {ITEM_FIELDS} }} }}" for n in range(len(DATA))),
    *(f"{{ requiredItem(n: {n}) {{ value name color numbers }} }}" for n in range(len(DATA))),
    "{ asyncItems { value name children { name later } } }",
    "{ items { value } maybeItems { name } }",
    """query { items { ...F ... on Item { color } } }
       fragment F on Item { value optional children { ...G } }
       fragment G on Item { name value }""",
    "query($s: Boolean!) { items { value name @skip(if: $s) numbers @include(if: $s) } }",
    "{ item(n: 0) { plain { s n maybe color tags optTags when blob flag ratio } child { value } } }",
    "{ item(n: 3) { a: value b: value c: children { x: value } } }",
    "{ item(n: 5) { plain { s } } }",
    "{ item(n: 5) { plain { blob } value } }",
    "{ item(n: 6) { children { value } maybeChildren { value } numbers } }",
    # lists of objects with only plain leaves selected (the inlined row path), errors and awaitables in rows
    "{ maybeItems { awaited value optional } }",
    "{ maybeItems { value name } }",
    "{ items { awaited name } }",
    "{ item(n: 3) { children { value name } maybeChildren { value name awaited } } }",
    "{ item(n: 4) { maybeChildren { value name } } }",
    "{ broken { maybe optTags ratio } }",
    "{ broken { s n } }",
    # mostly nullable fields: errors null the field only, so every case shows up in one answer
    """{ maybeItems { optional maybeColor maybeNumbers strictNumbers fail awaited later when blob ratio ident text
                     child { optional } maybeChildren { optional later } plain { maybe optTags ratio blob } } }""",
]


def _answer(schema: strawberry.Schema, query: str) -> str:
    try:
        result = asyncio.run(schema.execute(query, variable_values={"s": True}))
    finally:
        # A Plain's coroutines are made with it, also for fields the query does not select:
        # closed here, as nothing else ever would (Python warns of each when it is collected).
        for coroutine in _MADE:
            coroutine.close()
        _MADE.clear()
    errors = [e.formatted for e in result.errors or []]
    return json.dumps({"data": result.data, "errors": errors}, ensure_ascii=False, default=repr)


@pytest.mark.parametrize("query", QUERIES)
def test_the_fast_executor_answers_as_graphql_core_does(query: str) -> None:
    expected = _answer(SCHEMAS["graphql-core"], query)
    got = _answer(SCHEMAS["fast"], query)
    assert got == expected


def test_without_compiled_fill_functions_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once _MAX_COMPILED fill functions exist, the generic loop fills objects: the same answers."""
    import interfaces.graphql.fast.executor as execution

    monkeypatch.setattr(execution, "_MAX_COMPILED", 0)
    looping = strawberry.Schema(query=Query, execution_context_class=FastExecutor)
    for query in QUERIES:
        assert _answer(looping, query) == _answer(SCHEMAS["graphql-core"], query), query[:200]
    assert not looping._schema._fengqiao_fast[1]  # nothing was compiled


def test_the_awkward_cases_really_are_awkward() -> None:
    """The comparison is only worth something if graphql-core reports errors and nulls here."""
    answer = json.loads(_answer(SCHEMAS["graphql-core"], QUERIES[0]))
    assert answer["data"] is None and answer["errors"]  # a non-null item went null: the list, then the root
    answers = [json.loads(_answer(SCHEMAS["graphql-core"], q)) for q in QUERIES]
    messages = {e["message"].split(":")[0] for a in answers for e in a["errors"]}
    assert len(messages) >= 12, messages
    nullable = answers[-1]
    assert len(nullable["errors"]) >= 15
    assert nullable["data"]["maybeItems"][0]["text"] == "文本"


def test_plain_fields_take_the_fast_path() -> None:
    from interfaces.graphql.fast.specs import LEAF as _LEAF
    from interfaces.graphql.fast.specs import OBJECT as _OBJECT
    from interfaces.graphql.fast.specs import OBJECT_LIST as _OBJECT_LIST
    from interfaces.graphql.fast.specs import spec_for as _spec

    item = SCHEMAS["fast"]._schema.type_map["Item"]
    plain = SCHEMAS["fast"]._schema.type_map["Plain"]

    def kind(t: Any, name: str) -> int | None:
        spec = _spec(t.fields[name], asyncio.iscoroutine)
        return None if spec is None else spec.kind

    assert kind(item, "value") == _LEAF and kind(item, "numbers") == _LEAF and kind(plain, "tags") == _LEAF
    assert kind(item, "child") == _OBJECT and kind(item, "children") == _OBJECT_LIST
    # info, arguments, async: graphql-core's way
    assert kind(item, "withInfo") is None and kind(item, "withArg") is None and kind(item, "later") is None


def test_utc_instants_are_written_as_isoformat_writes_them() -> None:
    """DateTime in UTC: msgspec's text with +00:00 for Z is exactly isoformat()'s."""
    import random

    from interfaces.graphql.fast.values import leaf as _leaf

    schema = SCHEMAS["fast"]._schema
    instant = _leaf(schema.type_map["DateTime"], asyncio.iscoroutine)
    assert instant[1] == "utc"
    complete = instant[0]
    rnd = random.Random(7)
    zones = [dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]
    for _ in range(50_000):
        value = dt.datetime(
            rnd.randint(1, 9999), rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23), rnd.randint(0, 59),
            rnd.randint(0, 59), rnd.choice([0, 0, 1, 10, 100000, 120000, 999999, rnd.randint(0, 999999)]),
            tzinfo=rnd.choice(zones), fold=rnd.randint(0, 1),
        )
        assert complete(value) == value.isoformat(), repr(value)
    naive = dt.datetime(2026, 6, 10, 8, 0)
    assert complete(naive) == naive.isoformat()
    assert complete(dt.date(2026, 6, 10)) == "2026-06-10"
