"""A stateful property test through the use cases (issue 12, items 4 and 5): random answering
commands by random callers at random act times on a case with an other party. After every step:
a refused command recorded nothing; FEEDBACK_GIVEN implies every registered party was told;
ARCHIVED implies no objection without guidance and a no-objection basis for every told party;
the stored events replay to the state the application decides on."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from application import commands as cmd
from application.errors import DomainError
from application.settings import Settings, StoreConfig
from domain import events as ev
from domain.dispute import project_dispute
from domain.values import Actor, PartyRole, Role, Status
from infrastructure.store import open_application
from tests.application._support import AUDITOR, CLERK_HRSS, CLERK_TAX, HANDLER_TAX, LEGAL, command, register
from tests.conftest import FakeClock

CASE = "GP-2026-000001"
CALLERS = st.sampled_from([CLERK_TAX, CLERK_TAX, CLERK_TAX, CLERK_HRSS, LEGAL, AUDITOR])
PARTIES = st.sampled_from(["payer", "other_party"])
GAPS = st.sampled_from([timedelta(minutes=5), timedelta(days=1), timedelta(days=9), timedelta(days=190)])


class AnsweringThroughTheApplication(RuleBasedStateMachine):
    app: Any

    @initialize()
    def concluded_case(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="answers-"))
        self.clock = FakeClock(datetime(2026, 1, 5, 2, 0, tzinfo=UTC))  # Mon 5 Jan 2026, 10:00 in Gaoping
        store = StoreConfig(kind="sqlite", sqlite_path=self.folder / "events.sqlite")
        self.app = open_application(
            Settings(var_dir=self.folder, store=store, secret=b"s" * 40, data_key=b"k" * 32,
                     signing_key=bytes(range(32)), checkpoint_dir=self.folder / "c"),
            clock=self.clock,
        )
        register(self.app, received_at="2026-01-05T01:30:00Z", other_party={"name": "某公司", "kind": "employer"})
        self.app.transfer(CASE, command(cmd.Transfer, to_unit="tax"), CLERK_TAX)
        self.app.conclude(CASE, command(cmd.Conclude, outcome="explained", result="已解释"), HANDLER_TAX)

    def teardown(self) -> None:
        if hasattr(self, "app"):
            self.app.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def attempt(self, gap: timedelta, use_case: str, body: Any, actor: Actor) -> None:
        self.clock.set(self.clock.now + gap)
        head = self.app.recorder.max_notification_id()
        try:
            getattr(self.app, use_case)(CASE, body, actor)
        except DomainError:
            assert self.app.recorder.max_notification_id() == head, f"a refused {use_case} recorded something"

    @rule(gap=GAPS, party=PARTIES, actor=CALLERS)
    def tell(self, gap: timedelta, party: str, actor: Actor) -> None:
        self.attempt(gap, "give_feedback", command(cmd.GiveFeedback, party=party, method="phone", content="告知"), actor)

    @rule(gap=GAPS, party=PARTIES, actor=CALLERS)
    def confirm(self, gap: timedelta, party: str, actor: Actor) -> None:
        self.attempt(gap, "confirm_no_objection", command(cmd.NoObjection, party=party), actor)

    @rule(gap=GAPS, party=PARTIES, actor=CALLERS)
    def object(self, gap: timedelta, party: str, actor: Actor) -> None:
        self.attempt(gap, "raise_objection", command(cmd.RaiseObjection, party=party, content="不服"), actor)

    @rule(gap=GAPS, party=PARTIES, actor=CALLERS)
    def guide(self, gap: timedelta, party: str, actor: Actor) -> None:
        known = (self.clock.now + gap).date().isoformat()
        body = command(cmd.GiveRemedyGuidance, remedy="reconsideration", content="可申请复议", act_known_on=known,
                       party=party)
        self.attempt(gap, "give_remedy_guidance", body, actor)

    @rule(gap=GAPS, actor=CALLERS)
    def file(self, gap: timedelta, actor: Actor) -> None:
        self.attempt(gap, "archive", command(cmd.Archive), actor)

    @invariant()
    def the_rules_hold_on_the_stored_record(self) -> None:
        if not hasattr(self, "app"):
            return
        dispute = self.app.get_dispute(CASE, AUDITOR)
        history = self.app.dispute_events(CASE, AUDITOR)
        replayed = project_dispute(None, history)
        assert replayed is not None
        assert msgspec.json.encode(replayed) == msgspec.json.encode(dispute)
        if dispute.status in (Status.FEEDBACK_GIVEN, Status.OBJECTED, Status.ARCHIVED):
            assert dispute.feedback_pending() == []
        if dispute.status == Status.ARCHIVED:
            assert all(dispute.objections.values())
            archived = [e for e in history if isinstance(e, ev.DisputeArchived)][-1]
            assert [b.party for b in archived.basis] == [PartyRole.PAYER, PartyRole.OTHER_PARTY]
        assert Role.AUDITOR not in {e.actor.role for e in history}


AnsweringThroughTheApplication.TestCase.settings = settings(
    max_examples=30, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestAnsweringThroughTheApplication = AnsweringThroughTheApplication.TestCase
