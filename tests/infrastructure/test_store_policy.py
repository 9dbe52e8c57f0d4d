"""The store policy is read from the environment in one place, with today's values by default,
and reaches the application and its recorder alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from application.policy import StorePolicy
from infrastructure.settings import ConfigurationError, store_policy
from infrastructure.store import open_application


def test_unset_the_policy_is_the_defaults():
    assert store_policy({}) == StorePolicy()


def test_each_value_is_read_from_its_variable():
    policy = store_policy({
        "FENGQIAO_STORE_ATTEMPTS": "5",
        "FENGQIAO_STORE_RETRY_WAIT_MS": "250",
        "FENGQIAO_STORE_BREAKER_MS": "2000",
        "FENGQIAO_CASE_CACHE_SIZE": "10",
        "FENGQIAO_SNAPSHOT_INTERVAL": "20",
        "FENGQIAO_IDEMPOTENCY_RETENTION_DAYS": "90",
    })
    assert (policy.attempts, policy.retry_wait, policy.breaker_seconds) == (5, 0.25, 2.0)
    assert (policy.case_cache_size, policy.snapshot_interval) == (10, 20)
    assert policy.idempotency_retention == timedelta(days=90)


@pytest.mark.parametrize(
    ("name", "value"),
    [("FENGQIAO_STORE_ATTEMPTS", "0"), ("FENGQIAO_IDEMPOTENCY_RETENTION_DAYS", "6"), ("FENGQIAO_SNAPSHOT_INTERVAL", "x")],
)
def test_a_value_out_of_range_names_its_variable(name, value):
    with pytest.raises(ConfigurationError, match=name):
        store_policy({name: value})


def test_the_application_and_its_recorder_share_the_settings_policy(settings):
    policy = StorePolicy(attempts=2, snapshot_interval=7)

    app = open_application(replace(settings, policy=policy))
    try:
        assert app.policy is policy
        assert app.recorder.policy is policy
        assert app.recorder.snapshots_table is not None
    finally:
        app.close()
