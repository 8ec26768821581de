"""Field visits' HTTP API: a loan's visits, one visit, its printable documents, the field
agent's outcome, and a new slot asked for.

``GET /v1/cases/{loan_id}/visits``; ``GET /v1/visits/{visit_id}``; ``GET
/v1/visits/{visit_id}/documents`` (HTML, zh-CN; ``?lang=en``); ``POST
/v1/visits/{visit_id}/outcome`` ``{"outcome_id", "outcome", "note"?}`` (201 new, 200 a repeat
of its ``outcome_id``, 409 a visit not confirmed); ``POST /v1/visits/{visit_id}/reschedule``
``{"action_id", "on"?}``: the agent's ``reschedule_visit`` action, sent to the scheduler, which
proposes the new slot and its notice. Who may: as for the loan's case (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.desk.domain.commands import ActionRequest
from services.desk.domain.visits import OutcomeBody, RescheduleBody, Visit, VisitRefused
from services.desk.entrypoints import visit_documents
from services.desk.entrypoints.api import _body, _caller, _path
from services.desk.handlers import commands, visits


def visit_json(visit: Visit) -> dict[str, Any]:
    body = visit.model_dump(mode="json", exclude={"version"})
    body["task_id"] = visit.task_id if visit.confirmed_at is not None else None
    body["documents"] = f"/v1/visits/{visit.visit_id}/documents"
    return body


async def loan_visits(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    loan = _path(request, "loan_id")
    found = await visits.loan_visits(loan, who, ctx)
    return web.json_response({"loan_id": loan, "visits": [visit_json(v) for v in found]})


async def one(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    return web.json_response(
        visit_json(await visits.one_visit(_path(request, "visit_id"), who, ctx))
    )


async def documents(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    visit = await visits.one_visit(_path(request, "visit_id"), who, ctx)
    html = visit_documents.render(visit, request.query.get("lang", "zh-CN"))
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def outcome(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    wanted = _path(request, "visit_id")
    body: OutcomeBody = await _body(request, OutcomeBody)
    try:
        done, new = await visits.record_outcome(
            wanted, who, ctx, outcome=body.outcome, note=body.note, key=body.outcome_id
        )
    except VisitRefused as e:
        raise web.HTTPConflict(reason=str(e)) from None
    return web.json_response(visit_json(done), status=201 if new else 200)


async def reschedule(request: web.Request) -> web.Response:
    ctx, who = await _caller(request)
    visit = await visits.one_visit(_path(request, "visit_id"), who, ctx)
    body: RescheduleBody = await _body(request, RescheduleBody)
    if visit.state in ("cancelled", "done"):
        raise web.HTTPConflict(reason=f"the visit is {visit.state}")
    wanted = ActionRequest(action_id=body.action_id, action="reschedule_visit", visit_on=body.on)
    action, new = await commands.record_action(visit.loan_id, wanted, who, ctx)
    return web.json_response(action.model_dump(mode="json"), status=201 if new else 200)


def add_visit_routes(app: web.Application) -> None:
    app.router.add_get("/v1/cases/{loan_id}/visits", loan_visits)
    app.router.add_get("/v1/visits/{visit_id}", one)
    app.router.add_get("/v1/visits/{visit_id}/documents", documents)
    app.router.add_post("/v1/visits/{visit_id}/outcome", outcome)
    app.router.add_post("/v1/visits/{visit_id}/reschedule", reschedule)
