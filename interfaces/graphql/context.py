"""What every resolver sees for one request: the caller, the application, the read side, the
checkpoints, the request's instant, the case loader and the why of a personal-data view.

The API's controller and the console (which runs the same schema in process) both build it with
`request_context`, so a resolver cannot tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

import strawberry
from strawberry.dataloader import DataLoader

from application.audit.checkpoints import CheckpointStore
from application.disputes import Fengqiao
from application.reads import ReadSide
from domain.values import Actor
from interfaces.graphql import threads
from projections.case_view import CaseView


@dataclass(slots=True)
class Context:
    actor: Actor
    fengqiao: Fengqiao
    reads: ReadSide
    checkpoints: CheckpointStore
    now: datetime  # one instant for the whole request: every overdue flag is judged at it
    case_loader: DataLoader[str, CaseView | None]  # by case number, within the caller's reach
    access_reason: str | None
    response_headers: dict[str, str] = field(default_factory=dict)  # set by resolvers, sent with the answer


Info: TypeAlias = strawberry.Info[Context, None]


def request_context(
    fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore, actor: Actor, reason: str | None
) -> Context:
    """What every resolver sees for one request (the API's and the console's alike)."""

    async def load_cases(numbers: list[str]) -> list[CaseView | None]:
        found: dict[str, CaseView] = await threads.run_sync(reads.cases_by_number, actor, numbers)
        return [found.get(n) for n in numbers]

    return Context(
        actor=actor,
        fengqiao=fengqiao,
        reads=reads,
        checkpoints=checkpoints,
        now=fengqiao.clock(),
        # A fresh loader per request: never shared, so nobody sees another caller's cache.
        case_loader=DataLoader(load_fn=load_cases),
        access_reason=reason,
    )


async def case_view(info: Info, case_number: str) -> CaseView | None:
    """The case's read-model view, when it exists and is within the caller's reach."""
    return await info.context.case_loader.load(case_number.strip().upper())
