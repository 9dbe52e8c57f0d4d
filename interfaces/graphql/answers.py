"""The parts of a Dispute that answer "what now, and why": remedy windows, the archive's basis per
party, and the routing suggestion with its overrides."""

from __future__ import annotations

import datetime as dt

import strawberry

from interfaces.graphql.enums import NoObjectionBasis, PartyRole, RemedyKind


@strawberry.type(description="A remedy open to an objecting party (calendar days; a last day on a rest day moves on)")
class RemedyWindow:
    party: PartyRole
    kind: RemedyKind
    starts_on: dt.date = strawberry.field(description="The first day counted: the day after the party knew of the act (or of the decision)")
    last_day: dt.date
    body: str = strawberry.field(description="Whom to apply to; legal staff confirm per case")
    provisional: bool
    derivation: list[str]


@strawberry.type(description="For one told party, why the archive found no objection open (无异议确认, quiet period, or guidance)")
class ArchiveBasis:
    party: PartyRole
    basis: NoObjectionBasis
    told_at: dt.datetime
    quiet_until: dt.datetime | None


@strawberry.type
class RoutingOverride:
    to_unit: str
    by: str = strawberry.field(description="Who chose another unit than the suggested one (the token's subject)")
    reason: str
    at: dt.datetime


@strawberry.type
class Routing:
    suggested_unit: str
    rule: str = strawberry.field(
        description="The rule that suggested the unit: category (the category's default handling unit) or "
        "special_assessment_medical_only (category 4 with medical insurance alone)"
    )
    overrides: list[RoutingOverride]
