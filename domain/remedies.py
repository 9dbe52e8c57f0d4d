"""Where an objecting party applies, and its remedy windows as typed values (issue 12, item 13).

Kept apart from the aggregate so that read models, the console and the dossier can say the same
thing from a `RemedyGuidanceGiven` event without importing the aggregate.
"""

from __future__ import annotations

from datetime import date, timedelta

import msgspec

from domain.events import RemedyGuidanceGiven
from domain.values import PartyRole, RemedyKind


def competent_body(remedy: RemedyKind, acting_unit: str | None) -> str:
    """Where the party applies; legal staff confirm per case (domain.md, legal windows)."""
    if remedy == RemedyKind.LITIGATION:
        return "有管辖权的人民法院（被告所在地基层人民法院：高平市人民法院）"
    if acting_unit == "tax":
        return "国家税务总局晋城市税务局（上一级税务机关）"
    return "高平市人民政府（行政复议机构：高平市司法局）"


class RemedyWindow(msgspec.Struct, frozen=True):
    """One remedy open to one party: the first day counted, the last day, and whom to apply to."""

    party: PartyRole
    kind: RemedyKind
    starts_on: date  # the day after the party knew of the act (or received the decision)
    last_day: date
    body: str
    provisional: bool
    derivation: tuple[str, ...]


def remedy_windows(guidance: RemedyGuidanceGiven) -> tuple[RemedyWindow, RemedyWindow]:
    """Both windows a guidance event computed: reconsideration, then litigation."""
    recon, litigation = guidance.reconsideration_window, guidance.litigation_window
    return (
        RemedyWindow(
            party=guidance.party,
            kind=RemedyKind.RECONSIDERATION,
            starts_on=recon.start + timedelta(days=1),
            last_day=recon.last_day,
            body=competent_body(RemedyKind.RECONSIDERATION, guidance.acting_unit),
            provisional=recon.provisional,
            derivation=tuple(recon.derivation),
        ),
        RemedyWindow(
            party=guidance.party,
            kind=RemedyKind.LITIGATION,
            starts_on=litigation.start + timedelta(days=1),
            last_day=litigation.last_day,
            body=competent_body(RemedyKind.LITIGATION, guidance.acting_unit),
            provisional=litigation.provisional,
            derivation=tuple(litigation.derivation),
        ),
    )
