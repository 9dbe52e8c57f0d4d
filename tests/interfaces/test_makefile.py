"""The Makefile's targets say what they need before doing anything."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_dossier_without_a_case_says_what_to_pass_before_installing_anything(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "CASE")}
    # A virtualenv of its own and no Python: were anything installed first, it would fail otherwise.
    venv = tmp_path / "venv"
    result = subprocess.run(["make", "-C", str(ROOT), "dossier", f"VENV={venv}", "PYTHON=false"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)

    assert result.returncode != 0
    assert "make dossier: say which case, e.g. make dossier CASE=GP-2026-000001" in result.stderr
    assert not venv.exists()
