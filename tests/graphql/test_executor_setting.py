"""FENGQIAO_GRAPHQL_EXECUTOR chooses who runs the schema: our fast executor (the default) or
strawberry's stock one; anything else is refused at start. The stock schema needs nothing of
interfaces/graphql/fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infrastructure.settings import ConfigurationError, load_settings
from interfaces.graphql.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"FENGQIAO_VAR_DIR": str(tmp_path), **extra}


def test_fast_unless_told_stock(tmp_path: Path) -> None:
    assert load_settings(_env(tmp_path)).graphql_executor == "fast"
    assert load_settings(_env(tmp_path, FENGQIAO_GRAPHQL_EXECUTOR="Stock ")).graphql_executor == "stock"


def test_another_executor_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="FENGQIAO_GRAPHQL_EXECUTOR"):
        load_settings(_env(tmp_path, FENGQIAO_GRAPHQL_EXECUTOR="turbo"))
    with pytest.raises(ValueError, match="executor"):
        build_schema(production=False, executor="turbo")


def test_the_stock_schema_runs_on_strawberry_alone() -> None:
    probe = (
        "import sys\n"
        "from interfaces.graphql.schema import build_schema\n"
        "schema = build_schema(production=True, executor='stock')\n"
        "print(schema.execution_context_class.__module__)\n"
        "print(any(m.startswith('interfaces.graphql.fast') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["strawberry.schema.schema", "False"]
