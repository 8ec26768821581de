"""The review queues in the console: the queues a person decides, a queue's items (the oldest
first), one item and the decision on it, through the same use cases as the review API."""

from __future__ import annotations

import secrets
from typing import Final, get_args

from aiohttp import web

from services.desk.domain.review import DecisionRequest
from services.desk.entrypoints.console.web import (
    SESSION,
    console_key,
    page,
    posted,
    render,
    session_of,
)
from services.desk.handlers import review
from shared.events import ReviewQueue
from shared.review_events import VERDICTS

QUEUES: Final[tuple[ReviewQueue, ...]] = get_args(ReviewQueue)
SHOWN: Final = 200


def _queue(request: web.Request) -> ReviewQueue:
    name = next((q for q in QUEUES if q == request.match_info["queue"]), None)
    if name is None:
        raise review.ReviewNotFound("no such queue")
    return name


def _item_id(request: web.Request) -> str:
    wanted = request.match_info["item_id"]
    if not 0 < len(wanted) <= 128 or not all(c.isalnum() or c in "_.:|-" for c in wanted):
        raise review.ReviewNotFound("no such item")
    return wanted


@page
async def overview(request: web.Request) -> web.StreamResponse:
    """``GET /console/reviews``: the queues the person decides, with what waits in each."""
    who = session_of(request).person
    queues = await review.overview(who, request.app[console_key].ctx)
    return render(request, "reviews.html", queues=queues)


@page
async def queue(request: web.Request) -> web.StreamResponse:
    """``GET /console/reviews/{queue}``: its open items, the oldest first."""
    who = session_of(request).person
    name = _queue(request)
    items = await review.queue(name, who, request.app[console_key].ctx, SHOWN)
    return render(
        request, "review_queue.html", queue=name, items=items, decided=request.query.get("decided")
    )


@page
async def item(request: web.Request) -> web.StreamResponse:
    """``GET /console/reviews/items/{item_id}``: the item and the decision form."""
    who = session_of(request).person
    found = await review.one(_item_id(request), who, request.app[console_key].ctx)
    return render(
        request,
        "review_item.html",
        item=found,
        verdicts=VERDICTS[found["queue"]],
        key=secrets.token_urlsafe(12),
    )


@page
async def decide(request: web.Request) -> web.StreamResponse:
    """``POST /console/reviews/items/{item_id}``: the decision, under the person's own id."""
    form = await posted(request)
    who = request[SESSION].person
    body = {k: form[k] for k in ("verdict", "reason", "attestation") if form.get(k)}
    decision = DecisionRequest.model_validate({"decision_id": form.get("key", ""), **body})
    decided, _ = await review.record_decision(
        _item_id(request), decision, who, request.app[console_key].ctx
    )
    raise web.HTTPSeeOther(f"/console/reviews/{decided.queue}?decided={decision.verdict}")
