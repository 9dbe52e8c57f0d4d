"""The service's settings as every module receives them (read from the environment only by
`infrastructure/settings.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from application.policy import StorePolicy
from application.webhooks import DEFAULT_SCHEDULE, TIMEOUT


@dataclass(frozen=True)
class StoreConfig:
    kind: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    host: str = ""
    port: int = 5432
    dbname: str = ""
    user: str = ""
    password: str = ""
    schema: str = ""
    pool_size: int = 10
    max_overflow: int = 10
    lock_timeout: int = 5
    connect_timeout: int = 2


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    store: StoreConfig
    secret: bytes
    data_key: bytes
    mode: str = "development"
    graphql_executor: str = "fast"  # or "stock": strawberry's own execution (see interfaces/graphql/fast)
    signing_key: bytes = b""  # Ed25519 seed (32 bytes) that signs checkpoints
    # Earlier FENGQIAO_DATA_KEYs, newest first: case keys wrapped by them still unwrap (rotation).
    previous_data_keys: tuple[bytes, ...] = ()
    ledger_max_bytes: int = 20 * 1024 * 1024  # a ledger file to import, at most
    ledger_max_rows: int = 50_000
    checkpoint_dir: Path | None = None
    checkpoint_interval: int = 3600
    projection_gather_ms: int = 30  # how long the projections wait for more saves to batch
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API (none by default)
    objection_quiet_days: int = 5  # FENGQIAO_OBJECTION_QUIET_DAYS: no objection presumed after this many working days
    metrics_token: str = ""  # when set, /metrics needs `Authorization: Bearer <token>`
    searches_per_minute: int = 30  # exact-match searches by personal data, per caller
    policy: StorePolicy = field(default_factory=StorePolicy)
    webhook_allow_hosts: tuple[str, ...] = ()  # hosts a webhook may reach although they resolve to private addresses
    webhook_retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE  # seconds between tries
    webhook_timeout: float = TIMEOUT  # seconds a receiver has to answer
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.mode == "production"


__all__ = ["Settings", "StoreConfig"]
