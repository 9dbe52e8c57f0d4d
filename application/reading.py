"""Reading the write side: a case as its aggregate holds it, and its recorded events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import EventStore

from application import access
from application.command_path import CommandPath, resolve
from application.errors import DisputeNotFound
from domain.dispute import Dispute
from domain.values import Actor


class CaseRecords:
    events: EventStore[UUID]
    commands: CommandPath

    def get_dispute(self, ref: str, actor: Actor) -> Dispute:
        """The case, if the caller may read it; a case outside its reach is not found."""
        dispute = self.commands.load(resolve(ref))
        if not access.may_read(
            actor,
            units_involved=dispute.units_involved,
            registered_by_subject=dispute.registered_by.subject,
            registered_by_role=dispute.registered_by.role,
            accepting_unit=dispute.accepting_unit,
        ):
            raise DisputeNotFound(ref)
        return dispute

    def dispute_events(self, ref: str, actor: Actor) -> list[Any]:
        dispute = self.get_dispute(ref, actor)
        return list(self.events.get(dispute.id))
