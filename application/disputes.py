"""The application façade: every use case of the mechanism, on one eventsourcing Application.

The use cases live in their own modules and read as load → decide → save, returning plain
values: registration (`registration.py`), the lifecycle commands (`lifecycle.py`), reference
data (`reference_data.py`) and reading the write side (`reading.py`). What they share, the
command path with its retries and idempotency, is in `command_path.py`; what they ask of the
store is in `ports.py`, implemented by `infrastructure/`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.application import Application

from application.command_path import SYSTEM, CommandPath
from application.idempotency import IdempotencyKey, idempotency_scope
from application.lifecycle import LifecycleCommands
from application.policy import StorePolicy
from application.ports import CommandStore
from application.privacy import CaseKeyStore, Privacy
from application.reading import CaseRecords
from application.reference_cache import ReferenceCache
from application.reference_data import ReferenceData
from application.registration import Registration
from application.retention import Retention
from application.statutory_holidays import STATUTORY_HOLIDAYS
from domain.calendar import OfficialCalendar
from domain.dispute import OBJECTION_QUIET_DAYS


def utc_now() -> datetime:
    return datetime.now(UTC)


class Fengqiao(Registration, LifecycleCommands, Retention, ReferenceData, CaseRecords, Application[UUID]):
    """The application façade for every command of the mechanism."""

    name = "Fengqiao"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        privacy: Privacy,
        clock: Callable[[], datetime] = utc_now,
        policy: StorePolicy | None = None,
        objection_quiet_days: int = OBJECTION_QUIET_DAYS,
    ) -> None:
        self.policy = policy or StorePolicy()  # before the library builds the recorders, which take it
        super().__init__(env)
        self.privacy = privacy
        self.clock = clock
        self.objection_quiet_days = objection_quiet_days
        self.listeners: list[Callable[[], None]] = []  # told after every save (wakes projections)
        self.store = _command_store(self.recorder)
        self.case_keys = _case_keys(self.recorder)
        privacy.attach(self.case_keys)
        self.reference = ReferenceCache(
            lambda originator_id, version: list(self.events.get(originator_id, gt=version)),
            OfficialCalendar.shipped(STATUTORY_HOLIDAYS),
            self.policy,
        )
        self.commands = CommandPath(self, self.store, self.reference, clock, self.policy, self.listeners)

    def purge_idempotency_keys(self) -> int:
        return self.store.purge_idempotency(self.clock() - self.policy.idempotency_retention)


def _case_keys(recorder: object) -> CaseKeyStore:
    if not isinstance(recorder, CaseKeyStore):
        raise TypeError(f"{type(recorder).__name__} keeps no case keys (see application/privacy.py)")
    return recorder


def _command_store(recorder: object) -> CommandStore:
    if not isinstance(recorder, CommandStore):
        raise TypeError(f"{type(recorder).__name__} is not a command store (see application/ports.py)")
    return recorder


__all__ = ["SYSTEM", "Fengqiao", "IdempotencyKey", "idempotency_scope", "utc_now"]
