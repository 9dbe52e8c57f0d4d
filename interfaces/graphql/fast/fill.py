"""The function that fills in an object's answer for one selection set: generated once per
selection set (`compile_fill`), or the same as a loop (`fill_loop`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphql.pyutils import Path, Undefined
from msgspec import to_builtins

from interfaces.graphql.fast.specs import LEAF, Plan, Spec
from interfaces.graphql.fast.values import INERT, INERT_OUT, MAX_INT, MIN_INT, SLOW, UTC, inert

if TYPE_CHECKING:
    from interfaces.graphql.fast.executor import FastExecutor


def compile_fill(specs: tuple[Spec | None, ...], names: tuple[str, ...], is_awaitable: Callable[[Any], bool]) -> Callable[..., None]:
    """fill(ex, plan, source, row, path, index, awaitables): every field of the selection into
    `row`, in order. A plain leaf is read and checked inline; anything else, and any value not
    plainly valid or a resolver that raised, goes to the executor's `_fill_*` methods, which
    do what `execute_field` does."""
    env: dict[str, Any] = {
        "_SLOW": SLOW, "Exception": Exception, "_INERT": INERT, "_inert": inert, "_INERT_OUT": INERT_OUT,
        "_Undefined": Undefined, "is_awaitable": is_awaitable, "_datetime": dt.datetime, "_UTC": UTC,
        "_to_builtins": to_builtins,
    }
    lines = ["def fill(ex, plan, source, row, path, index, awaitables):"]
    add = lines.append
    for i, (name, spec) in enumerate(zip(names, specs, strict=True)):
        key = repr(name)
        if spec is None or spec.kind != LEAF:
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
            add(f"        {branch} type(v) is int and {MIN_INT} <= v <= {MAX_INT}:")
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


def fill_loop(ex: FastExecutor, plan: Plan, source: Any, row: dict[str, Any], path: Path | None, index: int | None, awaitables: list[str]) -> None:
    """What the compiled fill functions do, as a loop (when too many have been compiled)."""
    for i, (name, _details, spec) in enumerate(plan.entries):
        if spec is None or spec.kind != LEAF:
            ex._fill_other(plan, i, source, row, path, index, awaitables)
            continue
        try:
            value = spec.get(source)
        except Exception as e:  # noqa: BLE001 - as execute_field does
            ex._fill_error(plan, i, e, row, path, index)
            continue
        result = spec.complete(value)  # type: ignore[misc]
        if result is SLOW:
            ex._fill_slow(plan, i, value, row, path, index, awaitables)
        else:
            row[name] = result
