"""Retention: crypto-shredding of archived cases, and rewrapping case keys after FENGQIAO_DATA_KEY
is rotated.

Shredding a case first records PersonalDataShredded on it (so the act is in its hash chain, and
the read models show its personal fields as 已销毁), then destroys its key. A crash in between
leaves a case recorded as shredded whose key still exists; running the shredding again destroys
it. The events are never rewritten: the chain still verifies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import uuid4

from eventsourcing.persistence import IntegrityError

from application.command_path import CommandPath, resolve
from application.errors import DisputeNotFound
from application.privacy import CaseKeyStore, Privacy
from domain.errors import CommandRejected
from domain.values import Actor


@dataclass
class ShredReport:
    shredded: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # case number: why


class Retention:
    clock: Callable[[], datetime]
    privacy: Privacy
    commands: CommandPath
    case_keys: CaseKeyStore

    def shred(self, case_numbers: Iterable[str], archived_before: date, actor: Actor) -> ShredReport:
        """Destroy the keys of these cases, each only if it was archived before `archived_before`
        and no remedy window is open; the others are reported with the reason."""
        report = ShredReport()
        for number in case_numbers:
            try:
                self._shred_one(number, archived_before, actor)
            except (CommandRejected, DisputeNotFound) as e:
                report.refused[number] = str(e)
                continue
            report.shredded.append(number)
        return report

    def _shred_one(self, number: str, archived_before: date, actor: Actor) -> None:
        case_id = resolve(number)
        for _attempt in range(3):
            dispute = self.commands.load(case_id)
            if dispute.shredded:
                key = self.case_keys.case_key(case_id)
                if key is None or key.wrapped is None:
                    raise CommandRejected(dispute.status, "the case's personal data was already destroyed")
                break  # recorded by a run that stopped before destroying the key: destroy it now
            dispute.begin_command(uuid4())
            dispute.shred_personal_data(archived_before=archived_before, actor=actor, now=self.clock())
            try:
                self.commands.save(dispute, actor=actor)
            except IntegrityError:
                continue  # another command landed meanwhile: decide again on the case as it is
            break
        else:
            raise CommandRejected("archived", "the case kept changing; run the shredding again")
        self.privacy.destroy(case_id, self.clock())

    def rewrap_case_keys(self) -> int:
        """Wrap every case key under the current FENGQIAO_DATA_KEY (after a rotation, with the old
        one in FENGQIAO_DATA_KEY_PREVIOUS); how many were rewrapped."""
        store = self.case_keys
        count = 0
        for row in store.case_key_rows():
            rewrapped = self.privacy.rewrap(row)
            if rewrapped is not None:
                store.rewrap_case_key(rewrapped)
                count += 1
        return count
