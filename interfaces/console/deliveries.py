"""Webhook deliveries (推送记录): what was sent to the hotline platforms, what is being retried,
and the dead letters (`fengqiao deliveries replay` sends them again). For the roles that read
every case; the page runs the API's `deliveries` query, so the same role check applies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from interfaces.console.i18n import TEXT
from interfaces.console.reading import ReadError
from interfaces.console.site import Console, actor_of

STATUSES = ("DEAD", "PENDING", "DELIVERED")
PAGE = 200
DELIVERIES = """
query Deliveries($status: DeliveryStatus, $first: Int) {
  deliveries(status: $status, first: $first) {
    edges { node { subscriptionId eventId caseNumber eventType status attempts nextAttemptAt createdAt deliveredAt
                   lastStatusCode lastError } }
    pageInfo { hasNextPage }
  }
}
"""

# This page's words, beside the console's own (i18n.py holds the shared ones).
WORDS = {
    "zh": {
        "nav_deliveries": "推送记录",
        "deliveries_title": "推送记录（Webhook）",
        "deliveries_intro": "向热线平台推送的案件变化。失败的推送按计划重试约 3 天，仍失败的列为死信，可用 fengqiao deliveries replay 重新推送。",
        "delivery_DEAD": "死信",
        "delivery_PENDING": "待推送 / 重试中",
        "delivery_DELIVERED": "已送达",
        "subscription": "订阅",
        "event_type": "事件类型",
        "attempts": "尝试次数",
        "last_answer": "最近一次结果",
        "next_attempt": "下次尝试",
        "deliveries_empty": "没有这一类的推送。",
        "created_at": "产生时间",
    },
    "en": {
        "nav_deliveries": "Webhooks",
        "deliveries_title": "Webhook deliveries",
        "deliveries_intro": "Case changes pushed to the hotline platforms. A failed delivery is retried for about 3 days, "
        "then listed as a dead letter; `fengqiao deliveries replay` sends dead letters again.",
        "delivery_DEAD": "Dead letters",
        "delivery_PENDING": "Waiting / retrying",
        "delivery_DELIVERED": "Delivered",
        "subscription": "Subscription",
        "event_type": "Event type",
        "attempts": "Attempts",
        "last_answer": "Last answer",
        "next_attempt": "Next attempt",
        "deliveries_empty": "No deliveries of this kind.",
        "created_at": "Queued at",
    },
}
for _lang, _words in WORDS.items():
    TEXT[_lang].update(_words)


class DeliveriesController(Controller):
    @get("/deliveries", name="console_deliveries")
    async def deliveries(self, request: Request[Any, Any, Any], console: NamedDependency[Console]) -> Response[Any]:
        actor = actor_of(request)
        status = (request.query_params.get("status") or "DEAD").upper()
        if status not in STATUSES:
            status = "DEAD"
        try:
            data = await console.reader.run(actor, DELIVERIES, {"status": status, "first": PAGE})
        except ReadError as e:
            return console.read_error(request, e)
        page = data["deliveries"]
        rows = [edge["node"] for edge in page["edges"]]
        return console.render(request, "deliveries.html", shown=status, statuses=STATUSES, rows=rows,
                              more=page["pageInfo"]["hasNextPage"], limit=PAGE)
