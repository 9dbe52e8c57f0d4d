"""Production refuses settings that would make secrets guessable or metrics public."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest

from infrastructure.settings import ConfigurationError, load_settings


def _production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "FENGQIAO_MODE": "production",
        "FENGQIAO_VAR_DIR": str(tmp_path),
        "FENGQIAO_SECRET": secrets.token_urlsafe(48),
        "FENGQIAO_DATA_KEY": secrets.token_urlsafe(32),
        "FENGQIAO_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "FENGQIAO_METRICS_TOKEN": secrets.token_urlsafe(24),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v != "<unset>"}


def test_production_starts_with_strong_secrets(tmp_path):
    settings = load_settings(_production(tmp_path))
    assert settings.production and len(settings.secret) >= 32 and settings.metrics_token


@pytest.mark.parametrize(
    "secret",
    ["a", "short-but-random-Q7x", "a" * 64, "abcd" * 16, "0123456789" * 4, "<unset>"],
    ids=["one letter", "short", "one character repeated", "a pattern repeated", "digits repeated", "unset"],
)
def test_a_weak_or_missing_secret_is_refused_saying_how_to_make_one(tmp_path, secret):
    with pytest.raises(ConfigurationError) as refused:
        load_settings(_production(tmp_path, FENGQIAO_SECRET=secret))
    assert "FENGQIAO_SECRET" in str(refused.value)
    assert "secrets.token_urlsafe" in str(refused.value)


def test_production_requires_a_metrics_token(tmp_path):
    with pytest.raises(ConfigurationError, match="FENGQIAO_METRICS_TOKEN"):
        load_settings(_production(tmp_path, FENGQIAO_METRICS_TOKEN="<unset>"))


def test_cors_origins_are_parsed_and_checked(tmp_path):
    env = {"FENGQIAO_VAR_DIR": str(tmp_path), "FENGQIAO_CORS_ORIGINS": "https://a.example, http://b.example:8080/"}
    assert load_settings(env).cors_origins == ("https://a.example", "http://b.example:8080")
    assert load_settings({"FENGQIAO_VAR_DIR": str(tmp_path)}).cors_origins == ()
    with pytest.raises(ConfigurationError, match="FENGQIAO_CORS_ORIGINS"):
        load_settings({"FENGQIAO_VAR_DIR": str(tmp_path), "FENGQIAO_CORS_ORIGINS": "https://a.example/path"})
    with pytest.raises(ConfigurationError, match="FENGQIAO_CORS_ORIGINS"):
        load_settings(_production(tmp_path, FENGQIAO_CORS_ORIGINS="*"))


def test_searches_per_minute_is_a_bounded_number(tmp_path):
    base = {"FENGQIAO_VAR_DIR": str(tmp_path)}
    assert load_settings(base).searches_per_minute == 30
    assert load_settings({**base, "FENGQIAO_SEARCHES_PER_MINUTE": "5"}).searches_per_minute == 5
    for bad in ("0", "601", "many"):
        with pytest.raises(ConfigurationError, match="FENGQIAO_SEARCHES_PER_MINUTE"):
            load_settings({**base, "FENGQIAO_SEARCHES_PER_MINUTE": bad})


@pytest.mark.parametrize("key", ["a", "abcd" * 16, "<unset>"], ids=["one letter", "a pattern repeated", "unset"])
def test_a_weak_or_missing_data_key_is_refused_in_production(tmp_path, key):
    with pytest.raises(ConfigurationError, match="FENGQIAO_DATA_KEY"):
        load_settings(_production(tmp_path, FENGQIAO_DATA_KEY=key))


def test_previous_data_keys_and_ledger_limits_are_read(tmp_path):
    env = {"FENGQIAO_VAR_DIR": str(tmp_path), "FENGQIAO_DATA_KEY": "new-key", "FENGQIAO_DATA_KEY_PREVIOUS": " old-2 , old-1 ",
           "FENGQIAO_LEDGER_MAX_BYTES": "1048576", "FENGQIAO_LEDGER_MAX_ROWS": "100"}
    settings = load_settings(env)
    assert settings.previous_data_keys == (b"old-2", b"old-1")
    assert (settings.ledger_max_bytes, settings.ledger_max_rows) == (1048576, 100)
    with pytest.raises(ConfigurationError, match="FENGQIAO_LEDGER_MAX_ROWS"):
        load_settings({**env, "FENGQIAO_LEDGER_MAX_ROWS": "0"})


def test_the_development_data_key_is_made_once_owner_only(tmp_path):
    first = load_settings({"FENGQIAO_VAR_DIR": str(tmp_path / "var")})
    assert (tmp_path / "var" / "data.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700
    assert load_settings({"FENGQIAO_VAR_DIR": str(tmp_path / "var")}).data_key == first.data_key
