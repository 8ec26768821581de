"""The dispute register's routes: supervisors and compliance officers list, read and resolve
disputes and complaints.

``GET /v1/disputes?status=open|resolved&limit=``, ``GET /v1/disputes/{dispute_id}``,
``POST /v1/disputes/{dispute_id}/resolve`` ``{"resolution": "upheld"|"rejected", "note"?}``.
403 for an agent, 404 an unknown dispute, 409 one resolved already.
"""

from __future__ import annotations

from aiohttp import web

from services.desk.domain.disputes import STATUSES, DisputeStatus, ResolveBody
from services.desk.entrypoints.api import _body, _caller, _limit, _path
from services.desk.handlers import disputes


async def register(request: web.Request) -> web.Response:
    """``GET /v1/disputes``: the register, the earliest answer due first."""
    ctx, who = await _caller(request)
    status: DisputeStatus | None = None
    asked = request.query.get("status")
    for known in STATUSES:
        status = known if asked == known else status
    if asked is not None and status is None:
        raise web.HTTPBadRequest(reason="status must be open or resolved")
    found = await disputes.register(who, ctx, status, _limit(request))
    return web.json_response({"disputes": found})


async def one(request: web.Request) -> web.Response:
    """``GET /v1/disputes/{dispute_id}``."""
    ctx, who = await _caller(request)
    try:
        return web.json_response(await disputes.one(_path(request, "dispute_id"), who, ctx))
    except disputes.DisputeNotFound as e:
        raise web.HTTPNotFound(reason=str(e)) from None


async def resolve(request: web.Request) -> web.Response:
    """``POST /v1/disputes/{dispute_id}/resolve``: the hold on collection is released."""
    ctx, who = await _caller(request)
    body: ResolveBody = await _body(request, ResolveBody)
    try:
        done = await disputes.resolve(
            _path(request, "dispute_id"), who, ctx, resolution=body.resolution, note=body.note
        )
    except disputes.DisputeNotFound as e:
        raise web.HTTPNotFound(reason=str(e)) from None
    return web.json_response(disputes.dispute_json(done, ctx))


def add_dispute_routes(app: web.Application) -> None:
    app.router.add_get("/v1/disputes", register)
    app.router.add_get("/v1/disputes/{dispute_id}", one)
    app.router.add_post("/v1/disputes/{dispute_id}/resolve", resolve)
