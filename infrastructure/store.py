"""Event-store wiring: SQLite (embedded default) or PostgreSQL, chosen by the settings.

The library reads its persistence settings from an environment mapping; it is built here from
our Settings so that nothing else has to know the library's variable names. PERSISTENCE_MODULE is
always set: unset, the library would silently keep everything in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, EventStore
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

from application.disputes import Fengqiao, utc_now
from application.privacy import Privacy
from infrastructure.files import private_dir, private_file
from infrastructure.recorders import Wired
from infrastructure.serialization import MsgspecMapper
from infrastructure.settings import Settings, StoreConfig


class StoredFengqiao(Fengqiao):
    """The application with its events stored as msgspec JSON, on our recorders."""

    name = "Fengqiao"

    def construct_mapper(self) -> MsgspecMapper:
        return MsgspecMapper()

    def construct_recorder(self) -> ApplicationRecorder:
        recorder = super().construct_recorder()
        if not isinstance(recorder, Wired):
            raise TypeError(f"PERSISTENCE_MODULE gave {type(recorder).__name__}, not one of ours")
        recorder.policy = self.policy  # set by Fengqiao before the library builds the recorders
        return recorder

    def construct_snapshot_store(self) -> EventStore[UUID]:
        snapshots = super().construct_snapshot_store()
        table = snapshots.recorder
        recorder = self.recorder
        if not isinstance(table, SQLiteAggregateRecorder | PostgresAggregateRecorder) or not isinstance(recorder, Wired):
            raise TypeError(f"unexpected recorders {type(recorder).__name__}, {type(table).__name__}")
        # A command's transaction reads a case's latest snapshot itself, from the same table.
        recorder.snapshots_table = table.events_table_name
        return snapshots


def event_store_env(store: StoreConfig) -> dict[str, str]:
    env = {"IS_SNAPSHOTTING_ENABLED": "y", "CREATE_TABLE": "y"}
    if store.kind == "sqlite":
        assert store.sqlite_path is not None
        private_file(store.sqlite_path)
        env.update(
            PERSISTENCE_MODULE="infrastructure.sqlite_recorder:FengqiaoSQLiteFactory",
            SQLITE_DBNAME=str(store.sqlite_path),
            SQLITE_LOCK_TIMEOUT="10",
        )
        return env
    env.update(
        PERSISTENCE_MODULE="infrastructure.postgres_recorder:FengqiaoPostgresFactory",
        POSTGRES_DBNAME=store.dbname,
        POSTGRES_HOST=store.host,
        POSTGRES_PORT=str(store.port),
        POSTGRES_USER=store.user,
        POSTGRES_PASSWORD=store.password,
        POSTGRES_SCHEMA=store.schema,
        # Deliberate pool settings: the library's defaults wait forever for the table lock and
        # hand out dead pooled connections after a database restart.
        POSTGRES_POOL_SIZE=str(store.pool_size),
        POSTGRES_MAX_OVERFLOW=str(store.max_overflow),
        POSTGRES_LOCK_TIMEOUT=str(store.lock_timeout),
        POSTGRES_CONNECT_TIMEOUT=str(store.connect_timeout),
        POSTGRES_PRE_PING="n",  # a failed connection makes the recorder check the pool instead
        POSTGRES_MAX_WAITING="100",
        POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT="10",
        POSTGRES_ENABLE_DB_FUNCTIONS="n",
    )
    return env


def open_application(settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> Fengqiao:
    if settings.store.kind == "sqlite":
        private_dir(settings.var_dir)
    return StoredFengqiao(
        event_store_env(settings.store),
        privacy=Privacy(settings.data_key, settings.previous_data_keys),
        clock=clock,
        policy=settings.policy,
        objection_quiet_days=settings.objection_quiet_days,
    )
