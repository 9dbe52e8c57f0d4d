"""Webhook subscriptions over REST: POST/GET /api/v1/subscriptions, GET/DELETE …/{id},
POST …/{id}/rotate-secret. The signing secret is in the answer to create and rotate only."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, delete, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from application.subscriptions import SubscriptionService
from domain.subscription import Subscription
from domain.values import Actor
from interfaces.http.errors import ErrorBody

_ERRORS = {
    400: ResponseSpec(ErrorBody, description="Bad input (`field` names it): a URL that is not https "
                      "(http in development) or that resolves to a loopback, private, link-local or metadata "
                      "address, an unknown event type. Nothing is recorded."),
    401: ResponseSpec(ErrorBody, description="No token, or a bad or expired token."),
    403: ResponseSpec(ErrorBody, description="Only integrators and the task force subscribe."),
    404: ResponseSpec(ErrorBody, description="No such subscription, or not the caller's."),
    409: ResponseSpec(ErrorBody, description="Too many subscriptions, a deleted one, or a concurrent change."),
}
_TAGS = ["webhooks"]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
Description = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
EventType = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class CreateSubscription(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url
    event_types: list[EventType] | EventType | None = None  # omitted, "all" or []: every type
    description: Description | None = None


class SubscriptionBody(msgspec.Struct, kw_only=True):
    id: str
    url: str
    event_types: list[str]  # empty: every type
    description: str | None
    status: str  # ACTIVE, DISABLED or DELETED
    disabled_reason: str | None
    owner: str
    owner_role: str
    created_at: datetime
    changed_at: datetime
    secret: str | None = None  # only in the answers to create and rotate-secret: keep it, it is not shown again


def _body(sub: Subscription, secret: str | None = None) -> SubscriptionBody:
    return SubscriptionBody(
        id=str(sub.id),
        url=sub.url,
        event_types=list(sub.event_types),
        description=sub.description,
        status=sub.status.value.upper(),
        disabled_reason=sub.disabled_reason,
        owner=sub.owner.subject,
        owner_role=sub.owner.role.value,
        created_at=sub.created_at,
        changed_at=sub.changed_at,
        secret=secret,
    )


def subscription_routes(service: SubscriptionService) -> list[HTTPRouteHandler]:
    @post("/api/v1/subscriptions", operation_id="createSubscription", tags=_TAGS, status_code=201, responses=_ERRORS,
          summary="Subscribe a URL to case changes (signed CloudEvents); the secret is shown once")
    async def create(request: Request[Actor, Any, Any], data: JSONBody[CreateSubscription]) -> SubscriptionBody:
        run = partial(service.create, request.user, url=data.url, event_types=data.event_types,
                      description=data.description)
        made = await anyio.to_thread.run_sync(run)
        return _body(made.subscription, made.secret)

    @get("/api/v1/subscriptions", operation_id="listSubscriptions", tags=_TAGS, responses=_ERRORS,
         summary="The caller's subscriptions (the task force: all)")
    async def listing(request: Request[Actor, Any, Any]) -> list[SubscriptionBody]:
        subs = await anyio.to_thread.run_sync(service.list, request.user)
        return [_body(s) for s in subs]

    @get("/api/v1/subscriptions/{id:str}", operation_id="getSubscription", tags=_TAGS, responses=_ERRORS,
         summary="One subscription, with its status and why it was disabled")
    async def one(request: Request[Actor, Any, Any], id: FromPath[str]) -> SubscriptionBody:  # noqa: A002 - the path's name
        return _body(await anyio.to_thread.run_sync(service.get, request.user, id))

    @delete("/api/v1/subscriptions/{id:str}", operation_id="deleteSubscription", tags=_TAGS, responses=_ERRORS,
            status_code=200, summary="Stop a subscription; nothing more is sent to it")
    async def remove(request: Request[Actor, Any, Any], id: FromPath[str]) -> SubscriptionBody:  # noqa: A002
        return _body(await anyio.to_thread.run_sync(service.delete, request.user, id))

    @post("/api/v1/subscriptions/{id:str}/rotate-secret", operation_id="rotateSubscriptionSecret", tags=_TAGS,
          status_code=200, responses=_ERRORS, summary="A new signing secret, shown once; the old one stops at once")
    async def rotate(request: Request[Actor, Any, Any], id: FromPath[str]) -> SubscriptionBody:  # noqa: A002
        made = await anyio.to_thread.run_sync(service.rotate_secret, request.user, id)
        return _body(made.subscription, made.secret)

    return [create, listing, one, remove, rotate]
