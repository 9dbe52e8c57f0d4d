"""Use cases of webhook subscriptions: create, list, read, delete, rotate the secret, and the
delivery worker's disabling of a receiver that is gone or failed for too long.

Load the subscriptions' stream, decide, record; a concurrent change to the stream makes the
store refuse the version, and the use case decides again on what was recorded meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from application.command_path import SYSTEM, CommandPath
from application.errors import ConcurrencyConflict, Forbidden
from application.webhooks import SecretBox, new_secret
from domain.subscription import (
    SUBSCRIPTIONS_ID,
    Subscription,
    SubscriptionEvent,
    SubscriptionNotFound,
    Subscriptions,
    fold,
    may_subscribe,
)
from domain.values import Actor

ATTEMPTS = 5


class TargetGuard(Protocol):
    """Where a URL's host resolves to, checked against what a webhook may reach (a port: DNS
    is I/O). Raises InvalidCommand naming `url`."""

    def check(self, url: str) -> None: ...


class EventSource(Protocol):
    def get(self, originator_id: UUID, *, gt: int | None = None) -> Iterable[Any]: ...


@dataclass(frozen=True)
class Created:
    subscription: Subscription
    secret: str  # shown once, to the caller that created or rotated it


class SubscriptionService:
    def __init__(
        self,
        events: EventSource,
        commands: CommandPath,
        box: SecretBox,
        guard: TargetGuard,
        clock: Callable[[], datetime],
        *,
        production: bool,
    ) -> None:
        self._events = events
        self._commands = commands
        self.box = box
        self._guard = guard
        self._clock = clock
        self._production = production

    def load(self) -> Subscriptions:
        return fold([e for e in self._events.get(SUBSCRIPTIONS_ID) if isinstance(e, SubscriptionEvent)])

    def create(
        self, actor: Actor, *, url: str, event_types: list[str] | str | None, description: str | None
    ) -> Created:
        _check_may_subscribe(actor)
        secret = new_secret()
        sealed = self.box.seal(secret)
        subscription_id = uuid4()

        def decide(state: Subscriptions) -> Subscription:
            sub = state.create(
                subscription_id=subscription_id,
                url=url,
                event_types=event_types,
                description=description,
                secret_sealed=sealed,
                actor=actor,
                now=self._clock(),
                production=self._production,
            )
            self._guard.check(sub.url)
            return sub

        return Created(self._run(decide), secret)

    def list(self, actor: Actor) -> list[Subscription]:
        _check_may_subscribe(actor)
        return sorted(self.load().visible(actor), key=lambda s: s.created_at)

    def get(self, actor: Actor, ref: str) -> Subscription:
        _check_may_subscribe(actor)
        return self.load().get(_id(ref), actor)

    def delete(self, actor: Actor, ref: str) -> Subscription:
        _check_may_subscribe(actor)
        subscription_id = _id(ref)
        sub: Subscription = self._run(lambda state: state.delete(subscription_id, actor=actor, now=self._clock()))
        return sub

    def rotate_secret(self, actor: Actor, ref: str) -> Created:
        _check_may_subscribe(actor)
        subscription_id = _id(ref)
        secret = new_secret()
        sealed = self.box.seal(secret)
        sub = self._run(
            lambda state: state.rotate_secret(subscription_id, secret_sealed=sealed, actor=actor, now=self._clock())
        )
        return Created(sub, secret)

    def disable(self, subscription_id: UUID, reason: str) -> bool:
        """The delivery worker gives up on a receiver; says why in the subscription."""
        changed: list[bool] = []

        def decide(state: Subscriptions) -> None:
            changed.append(state.disable(subscription_id, reason=reason, actor=SYSTEM, now=self._clock()))

        self._run(decide)
        return changed[-1]

    def _run(self, decide: Callable[[Subscriptions], Any]) -> Any:
        for _ in range(ATTEMPTS):
            state = self.load()
            result = decide(state)
            pending = state.collect_events()
            if not pending:
                return result
            try:
                self._commands.record(*pending)
            except IntegrityError:
                continue  # another change to the subscriptions won; decide again on it
            return self.load().items.get(result.id, result) if isinstance(result, Subscription) else result
        raise ConcurrencyConflict("active")


def _check_may_subscribe(actor: Actor) -> None:
    if not may_subscribe(actor):
        raise Forbidden(f"role {actor.role} may not subscribe to changes (integrators and the task force may)")


def _id(ref: str) -> UUID:
    try:
        return UUID(ref.strip())
    except ValueError:
        raise SubscriptionNotFound(ref) from None
