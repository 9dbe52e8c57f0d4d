"""`fengqiao checkpoint` signs when something happened since the last checkpoint, each checkpoint
names the one before it, `checkpoint verify` finds them consistent, and an edited one is refused."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from domain.values import Actor, Role
from interfaces import cli

LEGAL = Actor("legal-1", Role.LEGAL)


@pytest.fixture
def command(runtime: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setattr("infrastructure.settings.load_settings", lambda: runtime.settings)

    def run(*args: str) -> tuple[int, Any, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.startswith("{") else out, err

    return run


def test_checkpoints_extend_each_other_and_an_edited_one_is_refused(runtime: Any, command: Any) -> None:
    runtime.reads.log_access(LEGAL, "GP-2026-000001", ["idNumber"], "legal review")
    code, first, _ = command("checkpoint")
    assert (code, first["created"], first["checkpoint"]["sequence"]) == (0, True, 1)
    assert first["checkpoint"]["access_log"]["id"] == 1
    assert command("checkpoint") == (0, {"created": False, "checkpoint": first["checkpoint"]}, "")

    runtime.reads.log_access(LEGAL, "GP-2026-000002", ["phone"], "legal review")
    code, second, _ = command("checkpoint", "create")
    assert (code, second["created"], second["checkpoint"]["sequence"]) == (0, True, 2)
    manifest = runtime.settings.checkpoint_dir / "checkpoint-00000001.json"
    assert second["checkpoint"]["previous"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert command("checkpoint", "verify") == (0, {"checkpoints": 2, "consistent": True, "problems": []}, "")

    edited = json.loads(manifest.read_text(encoding="utf-8"))
    edited["position"] += 1
    manifest.write_text(json.dumps(edited), encoding="utf-8")
    code, _, err = command("checkpoint", "verify")
    assert code == 1
    assert "signature does not verify" in err


def test_the_public_key_is_the_one_that_signs(runtime: Any, command: Any) -> None:
    runtime.reads.log_access(LEGAL, "GP-2026-000001", ["idNumber"], "legal review")
    _, made, _ = command("checkpoint")
    code, pem, _ = command("keys", "public")
    assert code == 0
    raw = load_pem_public_key(pem.encode()).public_bytes_raw()  # type: ignore[union-attr]
    assert hashlib.sha256(raw).hexdigest()[:16] == made["checkpoint"]["key_id"]
