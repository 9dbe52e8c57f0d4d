"""What the console reads, asked of the API's own GraphQL schema, in process.

The console does not decide what a caller may see: every page runs the same queries, through the
same resolvers, with the same context as `POST /graphql` (see interfaces/graphql/controller.py),
so reach, masking, the access log, time travel (`asOf`) and the role checks are the API's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from domain.values import Actor
from interfaces.graphql.context import Context, request_context
from interfaces.graphql.errors import code_of
from interfaces.graphql.schema import FAST, build_schema
from projections.queries import QUEUE_KINDS

DEADLINE_FIELDS = "kind dueAt dueOn metAt closedAt closedBy overdue provisional derivation unit"
LIST_FIELDS = f"""
    caseNumber status level category channel acceptingUnit handlingUnit receivedAt acceptedOn summary overdue
    deadlines {{ {DEADLINE_FIELDS} }}
"""

# Every queue kind of the read model, each under its own name.
QUEUE_COUNTS = "query Counts($unit: String!) {\n" + "".join(
    f"  {kind}: queue(unit: $unit, kind: {kind}, first: 500) {{ totalCount edges {{ node {{ caseNumber "
    "deadlines { dueAt dueOn metAt closedAt } } } }\n"
    for kind in QUEUE_KINDS
) + "}\n"

QUEUE = f"""
query Queue($unit: String!, $kind: QueueKind!) {{
  queue(unit: $unit, kind: $kind, first: 500) {{ totalCount edges {{ node {{ {LIST_FIELDS} }} }} }}
}}
"""

CASE = f"""
query Case($n: String!, $asOf: DateTime, $axis: TimelineAxis) {{
  timeline(caseNumber: $n, asOf: $asOf, axis: $axis) {{
    caseNumber asOf axis
    events {{ sequence type at recordedAt actor actorRole actorUnit data hash backdated }}
    state {{
      caseNumber status level channel category acceptingUnit handlingUnit receivedAt acceptedOn acceptanceDerivation
      summary externalRef insuranceTypes peopleInvolved township version overdue outcome result executingUnit
      riskLevel imported lastActAt feedbackPending noObjectionConfirmed objections
      archiveBasis {{ party basis quietUntil }}
      remedyWindows {{ party kind startsOn lastDay body provisional }}
      payer {{ kind name idNumber phone unmasked }}
      otherParty {{ name kind contact }}
      deadlines {{ {DEADLINE_FIELDS} }}
    }}
  }}
}}
"""

CURRENT_STATUS = """query Now($n: String!) { dispute(caseNumber: $n) { caseNumber status } }"""
# When a moment shows no case: when its first record was made, and the act it records.
FIRST_RECORD = """query First($n: String!) { timeline(caseNumber: $n) { events { at recordedAt } } }"""

VERIFY = """
query Verify($n: String!) {
  verifyCase(caseNumber: $n) { caseNumber valid events headHash firstInvalidSequence problems }
}
"""

SEARCH = f"""
query Search($filter: DisputeFilter, $first: Int, $after: String) {{
  disputes(filter: $filter, first: $first, after: $after) {{
    totalCount
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {LIST_FIELDS} }} }}
  }}
}}
"""

SUPERVISION = """
query Supervision($from: Date!, $to: Date!) {
  supervision(from: $from, to: $to) {
    periodFrom periodTo received settled objected
    settledOnSpotShare settledWithoutEscalationShare settledInOneVisitShare
    unitsWithMissedDeadlines
    units { unit received handled concluded overdueNow missedDeadlines onTimeRate returned designated }
    byCategory { key received settled overdueNow missedDeadlines onTimeRate }
    byChannel { key received settled overdueNow missedDeadlines onTimeRate }
  }
}
"""

WEEK_FIELDS = "received settled units { missedDeadlines overdueNow }"
ALIASES_PER_QUERY = 20  # the API's alias limit


class ReadError(Exception):
    """The API answered with an error: code NOT_FOUND, FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED, UNAVAILABLE, …"""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Reader:
    fengqiao: Fengqiao
    reads: ReadSide
    checkpoints: CheckpointStore
    production: bool
    executor: str = FAST  # the same execution as the API's (FENGQIAO_GRAPHQL_EXECUTOR)

    def __post_init__(self) -> None:
        self.schema = build_schema(production=self.production, executor=self.executor)

    def context(self, actor: Actor, reason: str | None) -> Context:
        """The same context as the GraphQL controller builds for a request."""
        return request_context(self.fengqiao, self.reads, self.checkpoints, actor, reason)

    async def run(
        self, actor: Actor, query: str, variables: dict[str, Any] | None = None, *, reason: str | None = None
    ) -> dict[str, Any]:
        result = await self.schema.execute(query, variable_values=variables, context_value=self.context(actor, reason))
        if result.errors:
            error = result.errors[0]
            code = (error.extensions or {}).get("code") or code_of(error) or "INTERNAL"
            raise ReadError(str(code), error.message)
        return result.data or {}

    async def weekly(self, actor: Actor, weeks: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Supervision figures per week, a few weeks per query (each week one aliased field)."""
        out: list[dict[str, Any]] = []
        for start in range(0, len(weeks), ALIASES_PER_QUERY):
            chunk = weeks[start : start + ALIASES_PER_QUERY]
            fields = " ".join(
                f'w{i}: supervision(from: "{lo}", to: "{hi}") {{ {WEEK_FIELDS} }}' for i, (lo, hi) in enumerate(chunk)
            )
            data = await self.run(actor, f"query Weekly {{ {fields} }}")
            out += [data[f"w{i}"] for i in range(len(chunk))]
        return out
