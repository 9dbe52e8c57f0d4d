"""GET /api/v1/disputes/{id}/dossier: a case's legal dossier (电子卷宗) as a zip download."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath

from application.audit.checkpoints import CheckpointError, CheckpointStore
from application.audit.dossier import DossierError, check_role
from application.disputes import Fengqiao
from application.reads import ReadSide
from domain.values import Actor
from interfaces.http.errors import ErrorBody
from interfaces.http.problems import problem

_RESPONSES = {
    401: ResponseSpec(ErrorBody, description="No token, or a bad or expired token."),
    403: ResponseSpec(ErrorBody, description="Roles other than legal, auditor, taskforce, clerk and handler."),
    404: ResponseSpec(ErrorBody, description="No such case, or one outside the caller's reach."),
    503: ResponseSpec(ErrorBody, description="The dossier cannot be made now (no CJK font installed, checkpoints lag)."),
}


def dossier_route(fengqiao: Fengqiao, reads: ReadSide, checkpoints: CheckpointStore) -> HTTPRouteHandler:
    """The download handler, bound to this process's application, read side and checkpoints."""

    @get(
        "/api/v1/disputes/{id:str}/dossier",
        operation_id="downloadDossier",
        summary="The case's legal dossier (电子卷宗): PDF, stored events and a signed checkpoint, zipped",
        description=(
            "`{id}` is the case's UUID or its case number. For legal staff, auditors and the task force, "
            "and for clerks and handlers of the case's own units. Personal data in the PDF follow the "
            "caller's role (whole for legal staff and the case's accepting and handling units, masked "
            "otherwise); a whole view is written to the access log (reason: `X-Access-Reason`). "
            "Verify offline with `fengqiao verify-dossier FILE.zip`."
        ),
        tags=["dossier"],
        media_type="application/zip",
        responses=_RESPONSES,
    )
    async def download_dossier(request: Request[Actor, Any, Any], id: FromPath[str]) -> Response[Any]:  # noqa: A002
        from interfaces.dossier.bundle import dossier_zip  # the PDF library loads with the first dossier
        from interfaces.dossier.fonts import FontMissing

        actor = request.user
        check_role(reads, actor)  # the read side's gate: 403 before any work
        reason = request.headers.get("x-access-reason")
        try:
            case_number, data = await anyio.to_thread.run_sync(
                partial(dossier_zip, fengqiao, reads, checkpoints, id, actor, reason=reason)
            )
        except (DossierError, FontMissing, CheckpointError) as e:
            return problem("unavailable", str(e), headers={"Retry-After": "5"})
        return Response(
            data,
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{case_number}-dossier.zip"',
                "Cache-Control": "no-store",
            },
        )

    return download_dossier
