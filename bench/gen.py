"""Synthetic but real event streams: cases are driven through the `Dispute` aggregate (the same
decisions, deadlines and payloads as in production), turned into stored events by the
application's own mapper, and written with the recorder's batch insert (`insert_events`), one
transaction per batch. Nothing goes over HTTP and no use case is called, so millions of events
take seconds, not hours.

Kinds of case (events per case):
  registered   DisputeRegistered                                   (1)  + CaseNumberIssued
  on_spot      registered, resolved on the spot, archived          (3)
  in_handling  registered, transferred, signed for                 (3)
  general      registered … progress, concluded, feedback, no objection, archived (8)
  escalated    registered, transferred, signed for, escalated      (4)
  long         in_handling + N progress notes                      (3 + N)
Every case also records its year's CaseNumberIssued (the case-number sequence), as `register` does.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import msgspec

from application import commands as cmd
from domain import events as ev
from domain.calendar import SHANGHAI
from domain.dispute import Dispute
from domain.identifiers import resident_id_check_char
from domain.reference import CaseNumberIssued, case_number, dispute_id_for, sequence_id_for
from domain.values import Actor, Category, Channel, FeedbackMethod, Outcome, PartyRole, Role

CLERK_TAX = Actor("bench-clerk-tax", Role.CLERK, "tax")
# An archive without a 无异议确认 waits out the quiet period after the feedback (5 working days;
# three weeks covers any holiday), so a generated case keeps its event count.
AFTER_QUIET = timedelta(days=21)
AUDITOR = Actor("bench-auditor", Role.AUDITOR)


def handler(unit: str) -> Actor:
    return Actor(f"bench-handler-{unit}", Role.HANDLER, unit)


# Units that receive the bulk's transferred cases. `hrss` is kept out on purpose: its IN_HANDLING
# queue holds exactly the B5 cases, whatever the size of the store.
FILL_UNITS = ("tax", "finance", "medical_insurance", "gov_office")
FILL_CATEGORIES = (Category.LATE_FEE, Category.CONTRIBUTION_AMOUNT, Category.REFUND_OFFSET, Category.OTHER)
SUMMARIES = (
    "对滞纳金加收有异议，认为系统扣款失败非本人原因",
    "灵活就业人员缴费基数核定有误，要求更正",
    "重复缴费申请退费，已提交银行流水",
    "单位欠缴导致个人权益记录中断，要求补缴并恢复",
    "养老保险待遇核定金额与缴费年限不符",
)


def _resident_id(n: int) -> str:
    first17 = f"1405811980{(n % 12) + 1:02d}{(n % 28) + 1:02d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


@dataclass
class Built:
    case_number: str
    case_id: str
    events: list[Any]


class CaseFactory:
    """Builds cases with the aggregate; payers are encrypted once with the app's key and reused."""

    def __init__(self, app: Any, seed: int = 7) -> None:
        self.app = app
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
        self.calendar = app.calendar()
        self.payers = [
            app._payer(cmd.PayerInput(kind="individual", name=name, id_number=_resident_id(i), phone=f"1381234{i:04d}"))
            for i, name in enumerate(["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十"] * 4)
        ]
        self._next_seq: dict[int, int] = {}

    def _sequence(self, year: int) -> int:
        if year not in self._next_seq:
            self._next_seq[year] = self.app._last_sequence(year) + 1
        seq = self._next_seq[year]
        self._next_seq[year] = seq + 1
        return seq

    def build(
        self,
        kind: str,
        received_at: datetime,
        *,
        accepting_unit: str = "tax",
        to_unit: str | None = None,
        progress: int = 0,
        step: timedelta = timedelta(minutes=7),
    ) -> Built:
        rng = self.rng
        year = received_at.astimezone(SHANGHAI).year
        seq = self._sequence(year)
        number = case_number(year, seq)
        dispute_id = dispute_id_for(number)
        category = rng.choice(FILL_CATEGORIES)
        now = received_at + timedelta(minutes=3)
        dispute = Dispute.register(
            dispute_id=dispute_id,
            case_number=number,
            channel=rng.choice(list(Channel)),
            received_at=received_at,
            accepting_unit=accepting_unit,
            payer=rng.choice(self.payers),
            category=category,
            summary=rng.choice(SUMMARIES),
            other_party=None,
            external_ref=f"12366-WO-{year}{seq:07d}",
            insurance_types=(),
            people_involved=1,
            township=None,
            actor=CLERK_TAX,
            at=now,
            now=now,
            calendar=self.calendar,
            command_id=uuid4(),
        )
        issued = CaseNumberIssued(
            originator_id=sequence_id_for(year),
            originator_version=seq,
            timestamp=now,
            case_number=number,
            dispute_id=dispute_id,
            command_id=None,
        )
        unit = to_unit or rng.choice(FILL_UNITS)
        h = handler(unit)
        cal = self.calendar

        def tick(gap: timedelta = step) -> datetime:
            nonlocal now
            now = now + gap
            dispute.begin_command(uuid4())
            return now

        if kind == "on_spot" and (now + step).astimezone(SHANGHAI).date() != received_at.astimezone(SHANGHAI).date():
            # Settled on the spot means on the day of receipt: an intake in the day's last minutes
            # would be settled after midnight in this rhythm, so it goes the general way instead.
            kind = "general"
        if kind == "on_spot":
            t = tick()
            dispute.resolve_on_spot(result="已当场解释计算方法", feedback_method=FeedbackMethod.IN_PERSON, actor=CLERK_TAX, at=t, now=t)
            t = tick(AFTER_QUIET)
            dispute.archive(actor=CLERK_TAX, at=t, now=t, calendar=cal)
        elif kind in ("in_handling", "general", "escalated", "long"):
            t = tick()
            dispute.transfer(to_unit=unit, note="请核处", actor=CLERK_TAX, at=t, now=t, calendar=cal)
            t = tick()
            dispute.sign_for(actor=h, at=t, now=t)
            if kind == "general":
                t = tick()
                dispute.record_progress(note="已调取缴费记录", actor=h, at=t, now=t)
                t = tick()
                dispute.conclude(outcome=Outcome.CORRECTED, result="已更正并退还多缴部分", actor=h, at=t, now=t)
                t = tick()
                dispute.give_feedback(party=PartyRole.PAYER, method=FeedbackMethod.PHONE, content="已电话告知", actor=CLERK_TAX, at=t, now=t)
                # The payer confirms no objection, so the archive follows at once: the path B1 times.
                t = tick()
                dispute.confirm_no_objection(party=PartyRole.PAYER, note=None, actor=CLERK_TAX, at=t, now=t)
                t = tick()
                dispute.archive(actor=CLERK_TAX, at=t, now=t, calendar=cal)
            elif kind == "escalated":
                t = tick()
                dispute.escalate(reason="涉及多部门政策口径", actor=h, at=t, now=t, calendar=cal)
            elif kind == "long":
                for i in range(progress):
                    t = tick()
                    dispute.record_progress(note=f"第{i + 1}次进展：已与缴费人沟通并调取材料", actor=h, at=t, now=t)
        elif kind != "registered":
            raise ValueError(kind)
        return Built(number, str(dispute_id), [*dispute.collect_events(), issued])


# Bulk mix: events per case average about 4.
FILL_MIX = (("general", 5), ("on_spot", 2), ("in_handling", 2), ("escalated", 1), ("registered", 1))


def fill_cases(factory: CaseFactory, target_events: int, *, start: datetime, end: datetime) -> Iterator[list[Any]]:
    """Cases (as event lists) making exactly `target_events` events (when it is not 1 or 3), received
    between start and end. The last few are chosen by size: escalated (5 events), registered (2)."""
    kinds = [k for k, w in FILL_MIX for _ in range(w)]
    produced = 0
    span = (end - start).total_seconds()
    rng = factory.rng

    def received() -> datetime:
        return start + timedelta(seconds=rng.random() * span)

    while target_events - produced >= 16:  # the largest case is 8 events
        events = factory.build(rng.choice(kinds), received()).events
        produced += len(events)
        yield events
    room = target_events - produced
    if room % 2 == 1 and room >= 5:
        events = factory.build("escalated", received()).events
        room -= len(events)
        yield events
    while room >= 2:
        events = factory.build("registered", received()).events
        room -= len(events)
        yield events


class Writer:
    """Buffers domain events and writes them with the recorder's batch insert."""

    def __init__(self, app: Any, batch: int = 2000) -> None:
        self.app = app
        self.batch = batch
        self.buffer: list[Any] = []
        self.written = 0

    def add(self, events: Iterable[Any]) -> None:
        self.buffer.extend(events)
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        to_stored = self.app.mapper.to_stored_event
        self.app.recorder.insert_events([to_stored(e) for e in self.buffer])
        self.written += len(self.buffer)
        self.buffer = []


def count_events(app: Any) -> int:
    return int(app.recorder.max_notification_id() or 0)


def utcnow() -> datetime:
    return datetime.now(UTC)


def snapshot_struct(event: Any) -> dict[str, Any]:
    return msgspec.to_builtins(event)


__all__ = ["AUDITOR", "CLERK_TAX", "CaseFactory", "Writer", "count_events", "ev", "fill_cases", "handler"]
