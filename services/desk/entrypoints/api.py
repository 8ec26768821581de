"""The desk's HTTP API: team queues, tasks and their actions, case views.

Route handlers read: parse → who is calling → use case → domain refusal mapped to HTTP
(403 not allowed, 404 unknown, 409 a transition refused or a task that moved meanwhile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ConfigDict, ValidationError

from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.commands import ActionRequest
from services.desk.domain.disputes import ResolveBody
from services.desk.domain.model import Note, Outcome, StaleWrite, TeamName
from services.desk.domain.tasks import TransitionRefused
from services.desk.entrypoints.auth import SignIn, person
from services.desk.entrypoints.openapi import document, openapi_route
from services.desk.handlers import actions, commands, reads, review, visits
from services.desk.handlers.context import DeskContext
from services.desk.metrics import ACTIONS
from shared.eventbase import Identifier
from shared.web import validation_reason

MAX_LIMIT: Final = 500
_ID: Final = re.compile(r"^[\w.:|\-]{1,128}$")


@dataclass(frozen=True)
class DeskApi:
    """What the routes need, wired once by the application."""

    ctx: DeskContext
    sign_in: SignIn


api_key: Final = web.AppKey("desk_api", DeskApi)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    team: TeamName | None = None
    assignee: Identifier | None = None


class DoneBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    outcome: Outcome
    note: Note | None = None


async def _caller(request: web.Request) -> tuple[DeskContext, Person]:
    api = request.app[api_key]
    return api.ctx, await person(request, api.sign_in)


def _path(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not _ID.match(value):
        raise web.HTTPBadRequest(reason=f"{name} is not a valid identifier")
    return value


async def _body(request: web.Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(await request.json())
    except ValueError as e:
        if isinstance(e, ValidationError):
            raise web.HTTPUnprocessableEntity(reason=validation_reason(e)) from None
        raise web.HTTPBadRequest(reason="body must be JSON") from None


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise web.HTTPBadRequest(reason=f"limit must be between 1 and {MAX_LIMIT}")
    return int(raw)


async def queue(request: web.Request) -> web.Response:
    """``GET /v1/queues/{team}``: the team's live tasks, the earliest due first."""
    ctx, who = await _caller(request)
    team = _path(request, "team")
    return web.json_response(
        {"team": team, "tasks": await reads.team_queue(team, who, ctx, _limit(request))}
    )


async def teams(request: web.Request) -> web.Response:
    """``GET /v1/teams``: live and overdue tasks per team (an agent: their own team)."""
    ctx, who = await _caller(request)
    return web.json_response({"teams": await reads.team_loads(who, ctx)})


async def mine(request: web.Request) -> web.Response:
    """``GET /v1/me/tasks``: the caller's own live tasks, the earliest due first."""
    ctx, who = await _caller(request)
    tasks = await reads.my_tasks(who, ctx, _limit(request))
    return web.json_response({"person": who.id, "tasks": tasks})


async def task(request: web.Request) -> web.Response:
    """``GET /v1/tasks/{task_id}``."""
    ctx, who = await _caller(request)
    return web.json_response(await reads.one_task(_path(request, "task_id"), who, ctx))


async def assign(request: web.Request) -> web.Response:
    """``POST /v1/tasks/{task_id}/assign`` ``{"team"?, "assignee"?}``."""
    ctx, who = await _caller(request)
    body: AssignBody = await _body(request, AssignBody)
    done = await actions.assign(
        _path(request, "task_id"), who, ctx, team=body.team, assignee=body.assignee
    )
    ACTIONS.labels("assign", "ok").inc()
    return web.json_response(await reads.one_task(done.task_id, who, ctx))


async def start(request: web.Request) -> web.Response:
    """``POST /v1/tasks/{task_id}/start``: the caller works on it now."""
    ctx, who = await _caller(request)
    done = await actions.start(_path(request, "task_id"), who, ctx)
    ACTIONS.labels("start", "ok").inc()
    return web.json_response(await reads.one_task(done.task_id, who, ctx))


async def finish(request: web.Request) -> web.Response:
    """``POST /v1/tasks/{task_id}/done`` ``{"outcome", "note"?}``."""
    ctx, who = await _caller(request)
    body: DoneBody = await _body(request, DoneBody)
    done = await actions.finish(
        _path(request, "task_id"), who, ctx, outcome=body.outcome, note=body.note
    )
    ACTIONS.labels("done", "ok").inc()
    return web.json_response(await reads.one_task(done.task_id, who, ctx))


async def case(request: web.Request) -> web.Response:
    """``GET /v1/cases/{loan_id}``: the case view of one loan."""
    ctx, who = await _caller(request)
    return web.json_response(await reads.loan_case(_path(request, "loan_id"), who, ctx))


async def borrower(request: web.Request) -> web.Response:
    """``GET /v1/borrowers/{debtor_id}/cases``: the borrower's cases the caller may see."""
    ctx, who = await _caller(request)
    debtor = _path(request, "debtor_id")
    return web.json_response(
        {"debtor_id": debtor, "cases": await reads.borrower_cases(debtor, who, ctx)}
    )


async def take_action(request: web.Request) -> web.Response:
    """``POST /v1/cases/{loan_id}/actions``: a promise, a plan or extension asked for, a
    dispute, a complaint, ... sent to the scheduler; 201 new, 200 a repeat of its action id."""
    ctx, who = await _caller(request)
    body: ActionRequest = await _body(request, ActionRequest)
    action, new = await commands.record_action(_path(request, "loan_id"), body, who, ctx)
    return web.json_response(action.model_dump(mode="json"), status=201 if new else 200)


def _action(request: web.Request) -> str:
    return request.path.rsplit("/", 1)[-1] if request.method == "POST" else "read"


@web.middleware
async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Domain refusals as HTTP answers with their reason."""
    try:
        return await handler(request)
    except NotAllowed as e:
        ACTIONS.labels(_action(request), "refused").inc()
        raise web.HTTPForbidden(reason=str(e)) from None
    except (
        actions.TaskNotFound,
        reads.CaseNotFound,
        review.ReviewNotFound,
        visits.VisitNotFound,
    ) as e:
        raise web.HTTPNotFound(reason=str(e)) from None
    except TransitionRefused as e:
        ACTIONS.labels(_action(request), "refused").inc()
        raise web.HTTPConflict(reason=str(e)) from None
    except StaleWrite:
        ACTIONS.labels(_action(request), "conflict").inc()
        raise web.HTTPConflict(reason="the task changed meanwhile: read it again") from None


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/queues/{team}", queue)
    app.router.add_get("/v1/me/tasks", mine)
    app.router.add_get("/v1/teams", teams)
    app.router.add_get("/v1/tasks/{task_id}", task)
    app.router.add_post("/v1/tasks/{task_id}/assign", assign)
    app.router.add_post("/v1/tasks/{task_id}/start", start)
    app.router.add_post("/v1/tasks/{task_id}/done", finish)
    app.router.add_get("/v1/cases/{loan_id}", case)
    app.router.add_post("/v1/cases/{loan_id}/actions", take_action)
    app.router.add_get("/v1/borrowers/{debtor_id}/cases", borrower)
    app.router.add_routes([openapi_route(OPENAPI)])


#: The API's OpenAPI document, from the bodies the routes validate with.
OPENAPI: Final = document(AssignBody, DoneBody, ResolveBody)
