"""Helpers for tests that start `fengqiao serve` as a real process."""

from __future__ import annotations

import subprocess
import time

import httpx


def answers_200(proc: subprocess.Popen[bytes], url: str, timeout: float, *, request_timeout: float = 1.0) -> bool:
    """Poll `url` until it answers 200 (True), or until the process exits or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=request_timeout).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False
