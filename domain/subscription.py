"""Webhook subscriptions: an integrator or the task force asks to be told of case changes.

All subscriptions are one event stream (`SUBSCRIPTIONS_ID`), like the member units: there are
few of them, listing them is reading one stream, and the store's version check serialises
concurrent changes. `Subscriptions` is the aggregate folded from it; its public methods decide
(and raise for rule violations), the `_apply` fold only assigns.

The signing secret never appears here in clear: the events carry it sealed under the data key
(the application seals and opens it).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID, uuid5

import msgspec

from domain import events as ev
from domain.errors import CommandRejected, DomainError, InvalidCommand
from domain.reference import FENGQIAO_NAMESPACE
from domain.values import Actor, Role

SUBSCRIPTIONS_ID = uuid5(FENGQIAO_NAMESPACE, "subscriptions")
MAX_URL = 2048
MAX_DESCRIPTION = 500
MAX_PER_OWNER = 20  # an owner with more than this is misusing subscriptions for fan-out


def _verb(name: str) -> str:
    """`DisputeTransferred` -> `transferred`, `HandlingConcluded` -> `concluded`."""
    words: list[str] = []
    for ch in name:
        if ch.isupper() and words:
            words.append("_")
        words.append(ch.lower())
    text = "".join(words)
    for prefix in ("dispute_", "handling_", "transfer_"):
        if text.startswith(prefix) and text != prefix:
            text = text[len(prefix) :]
    return text


# The event types a subscriber may name (the `type` of the CloudEvent, after the prefix). The
# words are chosen once: they are part of the public contract.
EVENT_TYPES: dict[str, str] = {
    cls.__name__: _verb(cls.__name__)
    for cls in (
        ev.DisputeRegistered,
        ev.ResolvedOnSpot,
        ev.DisputeTransferred,
        ev.TransferSignedFor,
        ev.DisputeReturned,
        ev.ProgressRecorded,
        ev.HandlingConcluded,
        ev.DisputeEscalated,
        ev.DeliberationHeld,
        ev.FeedbackGiven,
        ev.ObjectionRaised,
        ev.NoObjectionConfirmed,  # 无异议确认
        ev.RemedyGuidanceGiven,
        ev.DisputeArchived,
        ev.RiskFlagged,
        ev.SupervisionNoticeIssued,
        ev.SatisfactionRecorded,
        ev.DeadlineMissed,
        ev.DeadlinesRecomputed,
        ev.PersonalDataShredded,  # a receiver deletes its copies of the case's personal data
    )
}
EVENT_TYPES["FeedbackGiven"] = "answered"  # what a hotline platform calls it (反馈)
VERBS = frozenset(EVENT_TYPES.values())
TYPE_PREFIX = "cn.gov.gaoping.fengqiao.dispute."


class SubscriptionNotFound(DomainError):
    """Unknown, or not the caller's to see: the two answer alike (HTTP 404)."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"no subscription {ref}")
        self.ref = ref


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"  # by the worker: the receiver said 410, or failed for too long
    DELETED = "deleted"


class SubscriptionEvent(msgspec.Struct, frozen=True, kw_only=True):
    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: Actor
    subscription_id: UUID


class SubscriptionCreated(SubscriptionEvent, frozen=True, kw_only=True):
    url: str
    event_types: tuple[str, ...]  # verbs; empty means all
    description: str | None = None
    secret_sealed: str  # the signing secret, encrypted under the data key


class SubscriptionSecretRotated(SubscriptionEvent, frozen=True, kw_only=True):
    secret_sealed: str


class SubscriptionDeleted(SubscriptionEvent, frozen=True, kw_only=True):
    pass


class SubscriptionDisabled(SubscriptionEvent, frozen=True, kw_only=True):
    reason: str


class Subscription(msgspec.Struct):
    id: UUID
    owner: Actor
    url: str
    event_types: tuple[str, ...]
    description: str | None
    secret_sealed: str
    status: SubscriptionStatus
    created_at: datetime
    changed_at: datetime
    disabled_reason: str | None = None

    def wants(self, verb: str) -> bool:
        return not self.event_types or verb in self.event_types

    def visible_to(self, actor: Actor) -> bool:
        """The task force sees every subscription; an integrator its own."""
        if actor.role == Role.TASKFORCE:
            return True
        return self.owner.subject == actor.subject and self.owner.role == actor.role


class Subscriptions(msgspec.Struct):
    version: int = 0
    items: dict[UUID, Subscription] = msgspec.field(default_factory=dict)
    pending: list[SubscriptionEvent] = msgspec.field(default_factory=list)

    # --- decisions ------------------------------------------------------------------------

    def create(
        self,
        *,
        subscription_id: UUID,
        url: str,
        event_types: list[str] | str | None,
        description: str | None,
        secret_sealed: str,
        actor: Actor,
        now: datetime,
        production: bool,
    ) -> Subscription:
        url = check_url(url, production=production)
        types = check_event_types(event_types)
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise InvalidCommand("description", f"at most {MAX_DESCRIPTION} characters")
        live = [s for s in self.items.values() if s.status != SubscriptionStatus.DELETED and s.owner == actor]
        if len(live) >= MAX_PER_OWNER:
            raise CommandRejected("active", f"at most {MAX_PER_OWNER} subscriptions per caller")
        self._trigger(
            SubscriptionCreated,
            actor,
            now,
            subscription_id=subscription_id,
            url=url,
            event_types=types,
            description=description,
            secret_sealed=secret_sealed,
        )
        return self.items[subscription_id]

    def rotate_secret(self, subscription_id: UUID, *, secret_sealed: str, actor: Actor, now: datetime) -> Subscription:
        sub = self.get(subscription_id, actor)
        if sub.status == SubscriptionStatus.DELETED:
            raise CommandRejected(sub.status.value, "the subscription was deleted")
        self._trigger(SubscriptionSecretRotated, actor, now, subscription_id=subscription_id, secret_sealed=secret_sealed)
        return sub

    def delete(self, subscription_id: UUID, *, actor: Actor, now: datetime) -> Subscription:
        sub = self.get(subscription_id, actor)
        if sub.status != SubscriptionStatus.DELETED:
            self._trigger(SubscriptionDeleted, actor, now, subscription_id=subscription_id)
        return sub

    def disable(self, subscription_id: UUID, *, reason: str, actor: Actor, now: datetime) -> bool:
        """The delivery worker gives up on a receiver; False when there is nothing to disable."""
        sub = self.items.get(subscription_id)
        if sub is None or sub.status != SubscriptionStatus.ACTIVE:
            return False
        self._trigger(SubscriptionDisabled, actor, now, subscription_id=subscription_id, reason=reason)
        return True

    def get(self, subscription_id: UUID, actor: Actor) -> Subscription:
        """The subscription if the caller may see it; one it may not see is not found."""
        sub = self.items.get(subscription_id)
        if sub is None or not sub.visible_to(actor):
            raise SubscriptionNotFound(str(subscription_id))
        return sub

    def visible(self, actor: Actor) -> list[Subscription]:
        return [s for s in self.items.values() if s.visible_to(actor) and s.status != SubscriptionStatus.DELETED]

    def collect_events(self) -> list[SubscriptionEvent]:
        events, self.pending = self.pending, []
        return events

    # --- the fold -------------------------------------------------------------------------

    def _trigger(self, cls: type[SubscriptionEvent], actor: Actor, now: datetime, **fields: object) -> None:
        event = cls(
            originator_id=SUBSCRIPTIONS_ID,
            originator_version=self.version + 1,
            timestamp=now,
            actor=actor,
            **fields,  # type: ignore[arg-type]
        )
        self.apply(event)
        self.pending.append(event)

    def apply(self, event: SubscriptionEvent) -> None:
        self.version = event.originator_version
        if isinstance(event, SubscriptionCreated):
            self.items[event.subscription_id] = Subscription(
                id=event.subscription_id,
                owner=event.actor,
                url=event.url,
                event_types=event.event_types,
                description=event.description,
                secret_sealed=event.secret_sealed,
                status=SubscriptionStatus.ACTIVE,
                created_at=event.timestamp,
                changed_at=event.timestamp,
            )
            return
        sub = self.items.get(event.subscription_id)
        if sub is None:
            return
        sub.changed_at = event.timestamp
        if isinstance(event, SubscriptionSecretRotated):
            sub.secret_sealed = event.secret_sealed
        elif isinstance(event, SubscriptionDeleted):
            sub.status = SubscriptionStatus.DELETED
        elif isinstance(event, SubscriptionDisabled):
            sub.status = SubscriptionStatus.DISABLED
            sub.disabled_reason = event.reason


def fold(events: list[SubscriptionEvent]) -> Subscriptions:
    state = Subscriptions()
    for event in events:
        state.apply(event)
    return state


def may_subscribe(actor: Actor) -> bool:
    return actor.role in (Role.INTEGRATOR, Role.TASKFORCE)


def check_event_types(event_types: list[str] | str | None) -> tuple[str, ...]:
    if event_types is None or event_types in ("all", "*") or event_types == []:
        return ()  # every type: omitted, "all", "*" or an empty list
    if not isinstance(event_types, list) or not all(isinstance(t, str) for t in event_types):
        raise InvalidCommand("event_types", "a list of event type names, or omitted (or \"all\") for every type")
    names = []
    for raw in event_types:
        name = raw.strip()
        if name.startswith(TYPE_PREFIX):
            name = name[len(TYPE_PREFIX) :]
        name = EVENT_TYPES.get(name, name)  # the event's name as the timeline says it (DisputeTransferred)
        if name in ("*", "all"):
            return ()
        if name not in VERBS:
            raise InvalidCommand("event_types", f"unknown event type {raw!r}; known: {', '.join(sorted(VERBS))}")
        if name not in names:
            names.append(name)
    return tuple(names)


def check_url(url: str, *, production: bool) -> str:
    """The URL's form: https (http in development), a host, no credentials, no fragment. Where
    the host resolves to is checked by the application (it takes I/O)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidCommand("url", "required")
    url = url.strip()
    if len(url) > MAX_URL:
        raise InvalidCommand("url", f"at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InvalidCommand("url", f"not a URL: {e}") from None
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise InvalidCommand("url", "must be https" if production else "must be http or https")
    if not parts.hostname:
        raise InvalidCommand("url", "has no host")
    if parts.username or parts.password:
        raise InvalidCommand("url", "must not carry credentials")
    if parts.fragment:
        raise InvalidCommand("url", "must not have a fragment")
    if port == 0:
        raise InvalidCommand("url", "port 0 is not a port")
    return url


def refused_address(address: str) -> str | None:
    """Why an address may not be a webhook target (loopback, private, link-local, metadata…), or
    None when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "is not an address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local (cloud metadata lives here)"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_unspecified, "unspecified"),
        (str(ip) in ("100.100.100.200", "192.0.0.192"), "a cloud metadata address"),
        (ip in ipaddress.ip_network("100.64.0.0/10"), "shared address space (carrier NAT)"),
    )
    for hit, why in checks:
        if hit:
            return why
    return None
