"""The domain's closed vocabularies as GraphQL enums (UPPER_CASE names, the domain's values
behind them), for outputs, filters and the command inputs alike.

Copies of the domain's StrEnums rather than the classes themselves: strawberry marks the class
it decorates, and the domain's types stay the domain's.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from domain import values


def _graphql(domain: type[Enum], name: str, description: str) -> Any:
    copy = Enum(name, {member.name: member.value for member in domain})  # type: ignore[misc]
    return strawberry.enum(copy, description=description)


Channel = _graphql(values.Channel, "Channel", "How the dispute reached the mechanism")
Category = _graphql(values.Category, "Category", "What the dispute is about")
InsuranceType = _graphql(values.InsuranceType, "InsuranceType", "A social-insurance type")
PayerKind = _graphql(values.PayerKind, "PayerKind", "An individual payer or an employer")
PartyRole = _graphql(values.PartyRole, "PartyRole", "A party to the dispute")
FeedbackMethod = _graphql(values.FeedbackMethod, "FeedbackMethod", "How a party was told")
Outcome = _graphql(values.Outcome, "Outcome", "How handling concluded")
RemedyKind = _graphql(values.RemedyKind, "RemedyKind", "The remedy a party was guided towards")
RiskLevel = _graphql(values.RiskLevel, "RiskLevel", "A conflict risk's level")
NoObjectionBasis = _graphql(
    values.NoObjectionBasis, "NoObjectionBasis", "Why a told party had no objection open when the case was archived"
)

# domain enum -> its GraphQL copy (the command inputs are built from the domain's types)
BY_DOMAIN: dict[type[Enum], Any] = {
    values.Channel: Channel,
    values.Category: Category,
    values.InsuranceType: InsuranceType,
    values.PayerKind: PayerKind,
    values.PartyRole: PartyRole,
    values.FeedbackMethod: FeedbackMethod,
    values.Outcome: Outcome,
    values.RemedyKind: RemedyKind,
    values.RiskLevel: RiskLevel,
}


def member(enum: Any, value: str | None) -> Any:
    """The GraphQL member for a stored value (None stays None)."""
    return None if value is None else enum(value)
