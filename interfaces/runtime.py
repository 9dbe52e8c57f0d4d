"""Everything one `fengqiao serve` process runs: the application, the HTTP app, background work."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar

from application.disputes import Fengqiao
from infrastructure.settings import Settings
from infrastructure.store import open_application
from interfaces.http.app import create_app

log = logging.getLogger("fengqiao")


@dataclass
class Runtime:
    settings: Settings
    fengqiao: Fengqiao
    http: Litestar
    background: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for worker in reversed(self.background):
            worker.stop()
        self.fengqiao.close()


def build_runtime(settings: Settings) -> Runtime:
    fengqiao = open_application(settings)
    purged = fengqiao.purge_idempotency_keys()
    if purged:
        log.info("purged %d idempotency keys older than the retention period", purged)
    return Runtime(settings=settings, fengqiao=fengqiao, http=create_app(settings, fengqiao))
