"""The one place that reads the environment. What it reads becomes `application.settings.Settings`,
which every other module receives."""

from __future__ import annotations

import base64
import os
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from application.policy import StorePolicy
from application.settings import Settings, StoreConfig
from application.webhooks import parse_schedule
from infrastructure.files import private_dir


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message names it."""


def parse_database_url(url: str, var_dir: Path, env: dict[str, str] | None = None) -> StoreConfig:
    env = env if env is not None else dict(os.environ)
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        raw = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not raw:
            raise ConfigurationError("FENGQIAO_DATABASE_URL: expected sqlite:///path/file.sqlite")
        return StoreConfig(kind="sqlite", sqlite_path=Path(raw))
    if parsed.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        dbname = (parsed.path or "/").lstrip("/")
        if not dbname or not parsed.hostname:
            raise ConfigurationError(
                "FENGQIAO_DATABASE_URL: expected postgresql://user:password@host:port/dbname"
            )
        return StoreConfig(
            kind="postgresql",
            host=parsed.hostname,
            port=parsed.port or 5432,
            dbname=unquote(dbname),
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            schema=env.get("FENGQIAO_PG_SCHEMA", ""),
            pool_size=_int(env, "FENGQIAO_PG_POOL_SIZE", 10),
            max_overflow=_int(env, "FENGQIAO_PG_MAX_OVERFLOW", 10),
            lock_timeout=_int(env, "FENGQIAO_PG_LOCK_TIMEOUT", 5),
            connect_timeout=_int(env, "FENGQIAO_PG_CONNECT_TIMEOUT", 2),
        )
    raise ConfigurationError(
        f"FENGQIAO_DATABASE_URL: unsupported scheme {parsed.scheme!r} (use sqlite:/// or postgresql://)"
    )


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}: expected an integer, got {raw!r}") from None


def _kept_secret(
    var_dir: Path, filename: str, env_value: str | None, name: str, generate: Callable[[], str] | None = None
) -> bytes:
    """The env value, or a random one created once under var/ (development only)."""
    if env_value:
        return env_value.encode()
    path = var_dir / filename
    if path.exists():
        return path.read_text().strip().encode()
    private_dir(var_dir)
    value = generate() if generate is not None else secrets.token_urlsafe(48)
    # Written with owner-only permissions: it signs tokens / decrypts personal data.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value.encode()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = env if env is not None else dict(os.environ)
    var_dir = Path(env.get("FENGQIAO_VAR_DIR", "./var"))
    url = env.get("FENGQIAO_DATABASE_URL") or f"sqlite:///{var_dir / 'fengqiao.sqlite'}"
    store = parse_database_url(url, var_dir, env)
    mode = env.get("FENGQIAO_MODE", "development").strip().lower()
    if mode not in ("development", "production"):
        raise ConfigurationError("FENGQIAO_MODE: expected development or production")
    if mode == "production":
        _require_strong(env, "FENGQIAO_SECRET")
        if not env.get("FENGQIAO_METRICS_TOKEN", "").strip():
            raise ConfigurationError(
                "FENGQIAO_METRICS_TOKEN: required in production mode (scrapers send it as a bearer token); " + _HOW
            )
    if mode == "production":
        # It wraps every case's key: as strong as the secret, and never written to var/.
        _require_strong(env, "FENGQIAO_DATA_KEY")
    secret = _kept_secret(var_dir, "secret", env.get("FENGQIAO_SECRET"), "FENGQIAO_SECRET")
    data_key = _kept_secret(var_dir, "data.key", env.get("FENGQIAO_DATA_KEY"), "FENGQIAO_DATA_KEY")
    if mode == "production" and not env.get("FENGQIAO_SIGNING_KEY"):
        raise ConfigurationError("FENGQIAO_SIGNING_KEY: required in production mode (base64 of a 32-byte Ed25519 seed)")
    signing_text = _kept_secret(
        var_dir, "signing.key", env.get("FENGQIAO_SIGNING_KEY") or None, "FENGQIAO_SIGNING_KEY", generate=_new_seed
    )
    try:
        signing_key = base64.b64decode(signing_text, validate=True)
    except ValueError:
        signing_key = b""
    if len(signing_key) != 32:
        raise ConfigurationError("FENGQIAO_SIGNING_KEY: expected base64 of exactly 32 bytes (an Ed25519 seed)")
    return Settings(
        var_dir=var_dir,
        store=store,
        secret=secret,
        data_key=data_key,
        mode=mode,
        graphql_executor=graphql_executor(env),
        signing_key=signing_key,
        previous_data_keys=tuple(
            k.strip().encode() for k in env.get("FENGQIAO_DATA_KEY_PREVIOUS", "").split(",") if k.strip()
        ),
        ledger_max_bytes=_ranged(env, "FENGQIAO_LEDGER_MAX_BYTES", 20 * 1024 * 1024, 1024, 1024**3),
        ledger_max_rows=_ranged(env, "FENGQIAO_LEDGER_MAX_ROWS", 50_000, 1, 10_000_000),
        checkpoint_dir=Path(env.get("FENGQIAO_CHECKPOINT_DIR") or var_dir / "checkpoints"),
        checkpoint_interval=_int(env, "FENGQIAO_CHECKPOINT_INTERVAL", 3600),
        cors_origins=_origins(env.get("FENGQIAO_CORS_ORIGINS", ""), production=mode == "production"),
        metrics_token=env.get("FENGQIAO_METRICS_TOKEN", "").strip(),
        projection_gather_ms=_ranged(env, "FENGQIAO_PROJECTION_GATHER_MS", 30, 0, 1000),
        objection_quiet_days=_ranged(env, "FENGQIAO_OBJECTION_QUIET_DAYS", 5, 1, 60),
        searches_per_minute=_ranged(env, "FENGQIAO_SEARCHES_PER_MINUTE", 30, 1, 600),
        policy=store_policy(env),
        **webhook_settings(env),
    )


def webhook_settings(env: dict[str, str]) -> dict[str, Any]:
    hosts = tuple(h.strip().lower() for h in env.get("FENGQIAO_WEBHOOK_ALLOW_HOSTS", "").split(",") if h.strip())
    out: dict[str, Any] = {"webhook_allow_hosts": hosts}
    raw = env.get("FENGQIAO_WEBHOOK_RETRY_SCHEDULE", "").strip()
    if raw:
        try:
            out["webhook_retry_schedule"] = parse_schedule(raw)
        except ValueError as e:
            raise ConfigurationError(f"FENGQIAO_WEBHOOK_RETRY_SCHEDULE: {e}") from None
    timeout = env.get("FENGQIAO_WEBHOOK_TIMEOUT", "").strip()
    if timeout:
        try:
            out["webhook_timeout"] = float(timeout)
        except ValueError:
            raise ConfigurationError(f"FENGQIAO_WEBHOOK_TIMEOUT: expected seconds, got {timeout!r}") from None
        if not 0 < out["webhook_timeout"] <= 60:
            raise ConfigurationError("FENGQIAO_WEBHOOK_TIMEOUT: expected more than 0 and at most 60 seconds")
    return out


_HOW = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _require_strong(env: dict[str, str], name: str) -> None:
    """At least 32 bytes of random material: not short, not a few characters repeated."""
    value = env.get(name, "")
    if not value:
        raise ConfigurationError(f"{name}: required in production mode; {_HOW}")
    raw = value.encode()
    repetitive = len(set(raw)) < 12 or any(
        len(raw) % n == 0 and raw == raw[:n] * (len(raw) // n) for n in range(1, len(raw) // 2 + 1)
    )
    if len(raw) < 32 or repetitive:
        raise ConfigurationError(f"{name}: must be at least 32 bytes of random material, not a word or a pattern; {_HOW}")


def _origins(raw: str, *, production: bool) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin == "*" and not production:
            continue
        if not _ORIGIN.match(origin):
            raise ConfigurationError(
                f"FENGQIAO_CORS_ORIGINS: {origin!r} is not an origin (scheme://host[:port], comma-separated)"
            )
    return origins


def store_policy(env: dict[str, str]) -> StorePolicy:
    """Retries, breaker, caches and retention of the event store; unset, StorePolicy's defaults."""
    default = StorePolicy()
    return StorePolicy(
        attempts=_ranged(env, "FENGQIAO_STORE_ATTEMPTS", default.attempts, 1, 10),
        retry_wait=_ranged(env, "FENGQIAO_STORE_RETRY_WAIT_MS", round(default.retry_wait * 1000), 0, 5000) / 1000,
        breaker_seconds=_ranged(env, "FENGQIAO_STORE_BREAKER_MS", round(default.breaker_seconds * 1000), 0, 60_000) / 1000,
        case_cache_size=_ranged(env, "FENGQIAO_CASE_CACHE_SIZE", default.case_cache_size, 0, 1_000_000),
        snapshot_interval=_ranged(env, "FENGQIAO_SNAPSHOT_INTERVAL", default.snapshot_interval, 1, 100_000),
        # The public contract keeps keys at least 7 days.
        idempotency_retention=timedelta(
            days=_ranged(env, "FENGQIAO_IDEMPOTENCY_RETENTION_DAYS", default.idempotency_retention.days, 7, 3650)
        ),
    )


def _ranged(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    return _bounded(_int(env, name, default), name, low, high)


def _bounded(value: int, name: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ConfigurationError(f"{name}: expected {low} to {high}, got {value}")
    return value


def _new_seed() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def graphql_executor(env: dict[str, str]) -> str:
    executor = env.get("FENGQIAO_GRAPHQL_EXECUTOR", "fast").strip().lower() or "fast"
    if executor not in ("fast", "stock"):
        raise ConfigurationError("FENGQIAO_GRAPHQL_EXECUTOR: expected fast or stock")
    return executor


__all__ = [
    "ConfigurationError",
    "Settings",
    "StoreConfig",
    "graphql_executor",
    "load_settings",
    "parse_database_url",
    "store_policy",
]
