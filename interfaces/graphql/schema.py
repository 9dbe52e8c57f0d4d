"""The GraphQL schema: queries over the read models, mutations over the same use cases as REST."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

import msgspec
import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.types import Info

from application.audit.verification import verify_case
from application.errors import DisputeNotFound, Forbidden
from application.event_codec import decode_event
from domain import events as ev
from domain.values import Role
from interfaces.graphql import threads
from interfaces.graphql import types as t
from interfaces.graphql.mutations import Mutation
from projections import queries as q
from projections.case_view import CaseView, fold

MAX_DEPTH = 10
MAX_ALIASES = 20
MAX_TOKENS = 4000
PERSONAL_DATA_ROLES = frozenset({Role.LEGAL, Role.CLERK, Role.HANDLER})
ACCESS_LOG_ROLES = frozenset({Role.AUDITOR, Role.TASKFORCE, Role.LEGAL})


async def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await threads.run_sync(fn, *args, **kwargs)


def _ctx(info: Info) -> dict[str, Any]:
    return info.context  # type: ignore[no-any-return]


async def _view(info: Info, case_number: str) -> CaseView | None:
    ctx = _ctx(info)
    return await ctx["case_loader"].load(case_number.strip().upper())


def _utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"{field}: must carry a UTC offset")
    return value.astimezone(dt.UTC)


@strawberry.type
class Query:
    @strawberry.field(description="One case; null when unknown or out of the caller's reach")
    async def dispute(self, info: Info, case_number: str) -> t.Dispute | None:
        view = await _view(info, case_number)
        return None if view is None else t.dispute_of(view, _ctx(info)["now"])

    @strawberry.field
    async def disputes(
        self, info: Info, filter: t.DisputeFilter | None = None, first: int | None = 50, after: str | None = None  # noqa: A002
    ) -> t.DisputeConnection:
        ctx = _ctx(info)
        actor, reads = ctx["actor"], ctx["reads"]
        f = filter or t.DisputeFilter()
        digest = None
        if f.payer_id_number is not None or f.payer_name is not None:
            if actor.role not in PERSONAL_DATA_ROLES:
                raise Forbidden("searching by personal data is for roles that may see it")
            if f.payer_id_number is not None:
                digest = ctx["fengqiao"].privacy.digest(f.payer_id_number)
        first = 50 if first is None else first
        if first < 0:
            raise ValueError("first: must not be negative")
        criteria = q.CaseFilter(
            status=f.status.value if f.status else None,
            level=f.level.value if f.level else None,
            unit=f.unit,
            category=f.category,
            channel=f.channel,
            township=f.township,
            received_from=_utc(f.received_from, "receivedFrom"),
            received_to=_utc(f.received_to, "receivedTo"),
            overdue=f.overdue,
            external_ref=f.external_ref,
            id_digest=digest,
            payer_name=f.payer_name,
        )
        page = await _run(reads.query, q.list_cases, criteria, reads.reach(actor), first=first, after=after, now=ctx["now"])
        return t.DisputeConnection(
            edges=[t.DisputeEdge(node=t.dispute_of(v, ctx["now"]), cursor=c) for v, c in zip(page.views, page.cursors, strict=True)],
            page_info=t.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.start_cursor,
                end_cursor=page.end_cursor,
            ),
            total_count=page.total,
        )

    @strawberry.field(description="A unit's work, ordered by the earliest open deadline")
    async def queue(self, info: Info, unit: str, kind: t.QueueKind) -> list[t.Dispute]:
        ctx = _ctx(info)
        reads = ctx["reads"]
        views = await _run(reads.query, q.queue, unit, kind.value, reads.reach(ctx["actor"]), ctx["now"])
        return [t.dispute_of(v, ctx["now"]) for v in views]

    @strawberry.field(description="The full audit trail; asOf = a recording instant: the record as it stood then")
    async def timeline(self, info: Info, case_number: str, as_of: dt.datetime | None = None) -> t.Timeline | None:
        ctx = _ctx(info)
        view = await _view(info, case_number)
        if view is None:
            return None
        as_of = _utc(as_of, "asOf")
        rows = await _run(ctx["reads"].query, q.timeline_rows, view.id, as_of)
        events: list[Any] = []  # TimelineEventRecords, read as TimelineEvents
        state = None
        # The state after the last event is the case's read-model view when that view is at the
        # same version (the read model is the same fold of the same events): fold only for an
        # asOf, or when the view has moved on since the rows were read, and only when asked for.
        settled = as_of is None and bool(rows) and rows[-1].version == view.version
        folding = not settled and _selects(info, "state")
        for row in rows:
            if folding or row.type == "DisputeRegistered":
                event = decode_event(row.topic, row.state)
                if folding:
                    state = fold(state, event)
                events.append(_timeline_event(row, event, ctx, view))
            else:
                events.append(_timeline_record(row, _event_data(row.state)))
        if settled:
            state = view
        now = as_of or ctx["now"]
        return t.Timeline(
            case_number=view.case_number,
            events=events,
            state=None if state is None else t.dispute_of(state, min(now, ctx["now"])),
            as_of=as_of,
        )

    @strawberry.field
    async def supervision(
        self, info: Info, from_: Annotated[dt.date, strawberry.argument(name="from")], to: dt.date
    ) -> t.Supervision:
        ctx = _ctx(info)
        actor = ctx["actor"]
        if actor.role not in (Role.TASKFORCE, Role.AUDITOR, Role.LEGAL):
            raise Forbidden("supervision figures are for the task-force office, auditors and legal staff")
        if to < from_:
            raise ValueError("to: must not be before from")
        report: q.SupervisionReport = await _run(ctx["reads"].query, q.supervision, from_, to, ctx["now"])
        return _supervision(report)

    @strawberry.field(description="Recompute the case's hash chain from the event store")
    async def verify_case(self, info: Info, case_number: str) -> t.Verification:
        ctx = _ctx(info)
        view = await _view(info, case_number)
        if view is None:
            raise DisputeNotFound(case_number)
        return await _run(_verify, ctx, view)

    @strawberry.field(description="Whole views of personal data: who, when, which case, which fields, why")
    async def access_log(
        self,
        info: Info,
        from_: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
        to: dt.datetime | None = None,
        case_number: str | None = None,
    ) -> list[t.AccessLogEntry]:
        ctx = _ctx(info)
        if ctx["actor"].role not in ACCESS_LOG_ROLES:
            raise Forbidden("the access log is for auditors, the task-force office and legal staff")
        entries = await _run(
            ctx["reads"].access_log, start=_utc(from_, "from"), end=_utc(to, "to"), case_number=case_number
        )
        return [
            t.AccessLogEntry(
                id=e.id,
                at=_parse_ts(e.at),
                subject=e.subject,
                role=e.role,
                unit=e.unit,
                case_number=e.case_number,
                fields=e.fields,
                reason=e.reason,
            )
            for e in entries
        ]

    @strawberry.field(description="Each read model's position and lag behind the event store")
    async def projections(self, info: Info) -> list[t.ProjectionState]:
        status = await _run(_ctx(info)["reads"].runner.status)
        return [t.ProjectionState(name=n, position=s["position"], lag=s["lag"]) for n, s in sorted(status["projections"].items())]


def _parse_ts(text: str) -> dt.datetime:
    # The read models' fixed-width UTC text; fromisoformat is ~40x faster than strptime here.
    return dt.datetime.fromisoformat(text)


_ENVELOPE = ("originator_id", "originator_version", "timestamp", "at", "actor")


def _selects(info: Info, name: str) -> bool:
    return any(
        getattr(selection, "name", None) == name
        for field in info.selected_fields
        for selection in getattr(field, "selections", ())
    )


def _event_data(state: bytes) -> dict[str, Any]:
    """An event's own fields, straight from its stored JSON (the same values as decoding it into
    its type and back: the events are encoded with every field, see test_timeline_data)."""
    data: dict[str, Any] = msgspec.json.decode(state)
    for key in _ENVELOPE:
        data.pop(key, None)
    return data


def _timeline_event(row: q.TimelineRow, event: Any, ctx: dict[str, Any], case: CaseView) -> t.TimelineEventRecord:
    data = msgspec.to_builtins(event)
    for key in _ENVELOPE:
        data.pop(key, None)
    if isinstance(event, ev.DisputeRegistered):
        # Who may see personal data whole is decided on the case as it is now (its handling unit).
        data["payer"] = _payer_data(event, ctx, case)
        if event.other_party is not None:
            other = dict(data["other_party"])
            other["contact"] = ctx["reads"].other_party_contact(ctx["actor"], case, event.other_party, ctx["access_reason"])
            other.pop("contact_masked", None)
            data["other_party"] = other
    return _timeline_record(row, data)


def _timeline_record(row: q.TimelineRow, data: dict[str, Any]) -> t.TimelineEventRecord:
    at, recorded = _parse_ts(row.at), _parse_ts(row.recorded_at)
    # A TimelineEvent, read by attribute (see TimelineEventRecord)
    return t.TimelineEventRecord(
        row.version,
        row.type,
        at,
        recorded,
        row.actor,
        row.actor_role,
        row.actor_unit,
        t.as_json(data),
        row.hash,
        row.position,
        (recorded - at).total_seconds() > 60,
    )


def _payer_data(event: ev.DisputeRegistered, ctx: dict[str, Any], case: CaseView) -> dict[str, Any]:
    values = ctx["reads"].party(ctx["actor"], case, event.payer, ["idNumber", "phone", "name"], ctx["access_reason"])
    return {"kind": values.kind, "name": values.name, "id_number": values.id_number, "phone": values.phone}


def _verify(ctx: dict[str, Any], view: CaseView) -> t.Verification:
    result = verify_case(ctx["fengqiao"], ctx["reads"].store, ctx["checkpoints"], UUID(view.id))
    return t.Verification(
        case_number=view.case_number,
        valid=result.valid,
        events=result.events,
        head_hash=result.head_hash,
        first_invalid_sequence=result.first_invalid_sequence,
        problems=result.problems,
    )


def _supervision(report: q.SupervisionReport) -> t.Supervision:
    def group(items: dict[str, q.Stats]) -> list[t.GroupStats]:
        return [
            t.GroupStats(
                key=k,
                received=s.received,
                settled=s.concluded,
                overdue_now=s.overdue_now,
                missed_deadlines=s.missed,
                on_time_rate=s.on_time_rate,
            )
            for k, s in items.items()
        ]

    return t.Supervision(
        period_from=report.period_from,
        period_to=report.period_to,
        units=[
            t.UnitStats(
                unit=u,
                received=s.received,
                handled=s.handled,
                concluded=s.concluded,
                overdue_now=s.overdue_now,
                missed_deadlines=s.missed,
                on_time_rate=s.on_time_rate,
            )
            for u, s in report.units.items()
        ],
        by_category=group(report.by_category),
        by_channel=group(report.by_channel),
        by_township=group(report.by_township),
        received=report.received,
        settled=report.settled,
        settled_on_spot_share=t.share(report.settled_on_spot, report.received),
        settled_without_escalation_share=t.share(report.settled_without_escalation, report.settled),
        settled_in_one_visit_share=t.share(report.settled_in_one_visit, report.received),
        objected=report.objected,
        units_with_missed_deadlines=report.late_units,
    )


def build_schema(*, production: bool) -> strawberry.Schema:
    from graphql.validation import NoSchemaIntrospectionCustomRule

    from interfaces.graphql.execution import FastExecutor
    from interfaces.graphql.operation import Documents, Operation

    # The depth and alias rules are built once (a new rule class per request would never hit
    # the validation cache). One extension per request does what AddValidationRules,
    # MaxTokensLimiter, ParserCache, ValidationCache and ExpectedErrors did, in that order;
    # its caches live in `documents`, one per schema. A factory, not an instance: strawberry
    # makes a fresh extension per request.
    rules: list[Any] = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    documents = Documents(rules, max_tokens=MAX_TOKENS, maxsize=256)
    extensions: list[Any] = [lambda: Operation(documents, mask=production)]
    return QuietSchema(query=Query, mutation=Mutation, extensions=extensions, execution_context_class=FastExecutor)


class QuietSchema(strawberry.Schema):
    """Logs only unexpected errors: a caller's NOT_FOUND or FORBIDDEN is an answer, not a fault."""

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        from interfaces.graphql.errors import is_expected

        unexpected = [e for e in errors if not is_expected(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)
