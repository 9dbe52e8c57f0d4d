"""`@redocly/cli lint` on the live OpenAPI description: no errors. Installed from the npm registry at
test time into a temporary folder; skipped, saying why, when npm or the package is not there (the
Python checks in test_openapi.py cover the same ground)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient


@pytest.fixture(scope="module")
def redocly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: @redocly/cli cannot be fetched")
    folder = tmp_path_factory.mktemp("redocly")
    try:
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "@redocly/cli"], cwd=folder,
                       check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"@redocly/cli did not install from the npm registry: {getattr(e, 'stderr', b'')!r:.300}")
    return folder / "node_modules" / ".bin" / "redocly"


def test_redocly_finds_no_errors_in_the_live_description(runtime: Any, redocly: Path, tmp_path: Path) -> None:
    with TestClient(runtime.http) as client:
        doc = client.get("/schema/openapi.json").json()
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc), encoding="utf-8")

    done = subprocess.run([str(redocly), "lint", str(path), "--format=stylish"], capture_output=True, text=True,
                          timeout=300, check=False)

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " error " not in done.stdout
