"""B2's contender: the same lifecycle written the way the eventsourcing library's documentation
writes it, and run on the library's defaults.

- `PlainDispute` is an `eventsourcing.domain.Aggregate` whose events are made by `@event`
  methods (frozen dataclasses). Decisions are the same as ours: status rules, and deadlines
  computed with the same official calendar (kept in the events as plain dicts, since the
  default transcoder knows no msgspec types).
- `PlainApp` is an `eventsourcing.application.Application` with nothing overridden: the default
  `Mapper` with the `JSONTranscoder`, no snapshotting, the factories' default pools (PostgreSQL:
  pool size 5, no pre-ping, lock timeout 0), the library's own table names.
- Idempotency is done the library way, so that both sides do the same job: the key is an
  aggregate of its own (id = uuid5 of scope and key) looked up before the command and saved in
  the same `save()` (one transaction) as the case's new event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

from application.statutory_holidays import STATUTORY_HOLIDAYS
from domain.calendar import SHANGHAI, OfficialCalendar, deemed_acceptance, working_day_deadline
from domain.values import DEFAULT_HANDLING_UNIT, Category

NS = uuid5(NAMESPACE_URL, "https://fengqiao.gaoping.gov.cn/bench/plain")
_CALENDAR = OfficialCalendar.shipped(STATUTORY_HOLIDAYS)


class Rejected(Exception):
    pass


def _b(value: Any) -> Any:
    return msgspec.to_builtins(value)


class PlainDispute(Aggregate):
    @event("Registered")
    def __init__(  # noqa: PLR0913
        self,
        case_number: str,
        channel: str,
        received_at: datetime,
        accepting_unit: str,
        payer: dict[str, Any],
        category: str,
        summary: str,
        external_ref: str | None,
        actor: dict[str, Any],
        at: datetime,
        suggested_unit: str,
        acceptance: dict[str, Any],
        transfer_deadline: dict[str, Any],
    ) -> None:
        self.case_number = case_number
        self.status = "accepted"
        self.category = category
        self.accepting_unit = accepting_unit
        self.handling_unit: str | None = None
        self.registered_by = actor
        self.received_at = received_at
        self.acceptance = acceptance
        self.last_at = at
        self.units_involved = [accepting_unit]
        self.clocks: dict[str, dict[str, Any]] = {"transfer": {"deadline": transfer_deadline, "met_at": None}}
        self.signed_for = False

    def _require(self, *allowed: str) -> None:
        if self.status not in allowed:
            raise Rejected(self.status)

    def _check_at(self, at: datetime, now: datetime) -> None:
        if at > now or at < self.last_at:
            raise Rejected("at")

    # --- decisions (public) then recordings (@event) ------------------------------------

    def transfer(self, *, to_unit: str, note: str | None, actor: dict[str, Any], at: datetime, now: datetime,
                 calendar: OfficialCalendar | None = None) -> None:
        self._require("accepted")
        calendar = calendar or _CALENDAR
        self._check_at(at, now)
        start = deemed_acceptance(at, calendar)
        deadline = working_day_deadline(start.accepted_on, 5, calendar, start_label="the day of the transfer")
        suggested = DEFAULT_HANDLING_UNIT[Category(self.category)]
        self._transferred(to_unit=to_unit, note=note, suggested_unit=suggested, routing_override=to_unit != suggested,
                          handling_deadline=_b(deadline), actor=actor, at=at)

    @event("Transferred")
    def _transferred(self, to_unit: str, note: str | None, suggested_unit: str, routing_override: bool,
                     handling_deadline: dict[str, Any], actor: dict[str, Any], at: datetime) -> None:
        self.status = "transferred"
        self.handling_unit = to_unit
        self.signed_for = False
        if to_unit not in self.units_involved:
            self.units_involved.append(to_unit)
        self.clocks["transfer"]["met_at"] = self.clocks["transfer"]["met_at"] or at
        self.clocks["handling"] = {"deadline": handling_deadline, "met_at": None}
        self.last_at = max(self.last_at, at)

    def sign_for(self, *, actor: dict[str, Any], at: datetime, now: datetime) -> None:
        self._require("transferred")
        if self.signed_for:
            raise Rejected("signed")
        self._check_at(at, now)
        self._signed_for(unit=self.handling_unit or "", actor=actor, at=at)

    @event("TransferSignedFor")
    def _signed_for(self, unit: str, actor: dict[str, Any], at: datetime) -> None:
        self.signed_for = True
        self.last_at = max(self.last_at, at)

    def record_progress(self, *, note: str, actor: dict[str, Any], at: datetime, now: datetime) -> None:
        self._require("transferred", "escalated", "deliberated")
        self._check_at(at, now)
        self._progress(note=note, actor=actor, at=at)

    @event("ProgressRecorded")
    def _progress(self, note: str, actor: dict[str, Any], at: datetime) -> None:
        self.last_at = max(self.last_at, at)

    def conclude(self, *, outcome: str, result: str, actor: dict[str, Any], at: datetime, now: datetime) -> None:
        self._require("transferred", "deliberated")
        self._check_at(at, now)
        self._concluded(outcome=outcome, result=result, unit=self.handling_unit or "", actor=actor, at=at)

    @event("HandlingConcluded")
    def _concluded(self, outcome: str, result: str, unit: str, actor: dict[str, Any], at: datetime) -> None:
        self.status = "concluded"
        self.clocks["handling"]["met_at"] = at
        self.last_at = max(self.last_at, at)

    def give_feedback(self, *, party: str, method: str, content: str, actor: dict[str, Any], at: datetime,
                      now: datetime) -> None:
        self._require("concluded", "feedback_given")
        self._check_at(at, now)
        self._feedback(party=party, method=method, content=content, actor=actor, at=at)

    @event("FeedbackGiven")
    def _feedback(self, party: str, method: str, content: str, actor: dict[str, Any], at: datetime) -> None:
        self.status = "feedback_given"
        self.last_at = max(self.last_at, at)

    def confirm_no_objection(self, *, party: str, actor: dict[str, Any], at: datetime, now: datetime) -> None:
        self._require("feedback_given")
        self._check_at(at, now)
        self._no_objection(party=party, actor=actor, at=at)

    @event("NoObjectionConfirmed")
    def _no_objection(self, party: str, actor: dict[str, Any], at: datetime) -> None:
        self.last_at = max(self.last_at, at)

    def archive(self, *, actor: dict[str, Any], at: datetime, now: datetime) -> None:
        self._require("feedback_given", "objected")
        self._check_at(at, now)
        self._archived(actor=actor, at=at)

    @event("Archived")
    def _archived(self, actor: dict[str, Any], at: datetime) -> None:
        self.status = "archived"
        self.last_at = max(self.last_at, at)


class IdempotencyKey(Aggregate):
    """The library way to make a key unique: an aggregate whose id is derived from the key."""

    @event("Recorded")
    def __init__(self, scope: str, key: str, request_hash: str, response: dict[str, Any]) -> None:
        self.scope = scope
        self.key = key
        self.request_hash = request_hash
        self.response = response

    @staticmethod
    def id_for(scope: str, key: str) -> UUID:
        return uuid5(NS, f"{scope}\0{key}")

    @classmethod
    def create_id(cls, scope: str, key: str, **_: Any) -> UUID:
        return cls.id_for(scope, key)


class PlainApp(Application[UUID]):
    name = "PlainFengqiao"

    def register(self, **fields: Any) -> UUID:
        dispute = PlainDispute(**fields)
        self.save(dispute)
        return dispute.id

    def act(self, case_id: UUID, command: str, kwargs: dict[str, Any], actor: dict[str, Any], scope: str,
            key: str, request_hash: str, now: datetime) -> dict[str, Any]:
        idem_id = IdempotencyKey.id_for(scope, key)
        try:
            stored = self.repository.get(idem_id)
        except AggregateNotFoundError:
            stored = None
        if stored is not None:
            if stored.request_hash != request_hash:
                raise Rejected("idempotency key reused")
            return stored.response
        dispute: PlainDispute = self.repository.get(case_id)
        getattr(dispute, command)(actor=actor, at=now, now=now, **kwargs)
        response = {"id": str(dispute.id), "case_number": dispute.case_number, "status": dispute.status.upper(),
                    "version": dispute.version}
        recordings = self.save(dispute, IdempotencyKey(scope=scope, key=key, request_hash=request_hash, response=response))
        response["position"] = max(r.notification.id for r in recordings)
        return response


def registration_fields(registered: Any) -> dict[str, Any]:
    """PlainDispute's registration from one of our DisputeRegistered events (same payload)."""
    e = registered
    return {
        "case_number": e.case_number,
        "channel": str(e.channel),
        "received_at": e.received_at,
        "accepting_unit": e.accepting_unit,
        "payer": _b(e.payer),
        "category": str(e.category),
        "summary": e.summary,
        "external_ref": e.external_ref,
        "actor": _b(e.actor),
        "at": e.at,
        "suggested_unit": e.suggested_unit,
        "acceptance": _b(e.acceptance),
        "transfer_deadline": _b(e.transfer_deadline),
    }


def plain_env(store: Any) -> dict[str, str]:
    """The library's defaults: only what it cannot guess (where the database is)."""
    cfg = store.settings.store
    if cfg.kind == "sqlite":
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(cfg.sqlite_path.with_name("plain.sqlite"))}
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": cfg.dbname,
        "POSTGRES_HOST": cfg.host,
        "POSTGRES_PORT": str(cfg.port),
        "POSTGRES_USER": cfg.user,
        "POSTGRES_PASSWORD": cfg.password,
        "POSTGRES_SCHEMA": store.schema,
    }


__all__ = ["SHANGHAI", "PlainApp", "PlainDispute", "Rejected", "plain_env", "registration_fields"]
