"""The review queues' HTTP API: what waits for a decision, and the decisions.

``GET /v1/reviews`` the queues the caller decides, with their sizes; ``GET
/v1/reviews/{queue}`` a queue's open items, the oldest first; ``GET
/v1/reviews/items/{item_id}`` one item; ``POST /v1/reviews/items/{item_id}/decision`` a
decision (201 new, 200 a repeat of its ``decision_id``; 409 decided or settled already, or a
verdict the queue does not take). Compliance officers decide ``escalated``; supervisors and the
review team's agents ``uncertain`` and ``blocked``; anyone else gets 403.
"""

from __future__ import annotations

from typing import Final, get_args

from aiohttp import web

from services.desk.domain.review import DecisionRequest
from services.desk.entrypoints.api import _body, _caller, _limit, _path
from services.desk.handlers import review
from shared.events import ReviewQueue

_QUEUES: Final[tuple[ReviewQueue, ...]] = get_args(ReviewQueue)


async def overview(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    return web.json_response({"person": who.id, "queues": await review.overview(who, ctx)})


async def queue(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    name = next((q for q in _QUEUES if q == request.match_info["queue"]), None)
    if name is None:
        raise web.HTTPNotFound(reason=f"queue must be one of {', '.join(_QUEUES)}")
    items = await review.queue(name, who, ctx, _limit(request))
    return web.json_response({"queue": name, "items": items})


async def item(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    return web.json_response(await review.one(_path(request, "item_id"), who, ctx))


async def decision(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    wanted = _path(request, "item_id")
    body: DecisionRequest = await _body(request, DecisionRequest)
    decided, new = await review.record_decision(wanted, body, who, ctx)
    return web.json_response(review.item_json(decided, ctx.clock()), status=201 if new else 200)


def add_review_routes(app: web.Application) -> None:
    app.router.add_get("/v1/reviews", overview)
    app.router.add_get("/v1/reviews/{queue}", queue)
    app.router.add_get("/v1/reviews/items/{item_id}", item)
    app.router.add_post("/v1/reviews/items/{item_id}/decision", decision)
