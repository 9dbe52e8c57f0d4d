"""The README's receiver example runs as written and tells a signed message from a forged one."""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from litestar.testing import TestClient

from application.webhooks import new_secret, signature_headers

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text()
    start = text.index("A receiver that verifies the signature")
    block = re.search(r"```python\n(.*?)```", text[start:], re.S)
    assert block is not None, "the README lost its receiver example"
    return block.group(1)


def _load(source: str, where: Path) -> ModuleType:
    """The example as a module of its own (Litestar reads a handler's module for its annotations)."""
    path = where / "readme_receiver.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("readme_receiver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_receiver"] = module
    spec.loader.exec_module(module)
    return module


def test_the_readme_receiver_accepts_our_signature_and_refuses_a_forgery(capsys: Any, tmp_path: Path) -> None:
    secret = new_secret()
    try:
        scope = vars(_load(_example().replace('"whsec_…"', repr(secret)), tmp_path))
    finally:
        sys.modules.pop("readme_receiver", None)
    body = b'{"specversion":"1.0","id":"e1","subject":"GP-2026-000001","type":"x.transferred","data":{"status":"TRANSFERRED"}}'
    headers = signature_headers(secret, "e1", int(time.time()), body)
    with TestClient(scope["app"]) as client:
        assert client.post("/hooks", content=body, headers=headers).status_code == 204
        assert client.post("/hooks", content=body, headers=headers).status_code == 204  # a redelivery
        forged = {**headers, "webhook-signature": signature_headers(new_secret(), "e1", int(time.time()), body)["webhook-signature"]}
        assert client.post("/hooks", content=body, headers=forged).status_code == 400
    assert capsys.readouterr().out.count("GP-2026-000001") == 1
