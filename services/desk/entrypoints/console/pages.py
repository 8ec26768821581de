"""The console's pages for agents and supervisors: my tasks, a team queue, a case, an action
recorded on it. Each reads through the same use cases as the JSON API, under the person's
own session."""

from __future__ import annotations

import re
import secrets
from typing import Any, get_args

from aiohttp import web

from services.desk.domain import pages, visit_pages
from services.desk.domain.access import check_queue
from services.desk.domain.commands import ActionRequest
from services.desk.domain.model import Outcome
from services.desk.domain.pages import ACTION_FIELDS
from services.desk.entrypoints.api import DoneBody
from services.desk.entrypoints.console.web import (
    SESSION,
    console_key,
    language,
    page,
    posted,
    render,
    session_of,
)
from services.desk.handlers import actions, commands, console_visits, reads, visits
from services.desk.handlers.actions import TaskNotFound
from services.desk.handlers.context import DeskContext
from services.desk.metrics import ACTIONS

QUEUE_SHOWN = 200
_ID = re.compile(r"^[\w.:|\-]{1,128}$")


def _ctx(request: web.Request) -> DeskContext:
    return request.app[console_key].ctx


@page
async def my_tasks(request: web.Request) -> web.StreamResponse:
    """``GET /console/tasks``: the live tasks the person holds."""
    who = session_of(request).person
    tasks = await reads.my_tasks(who, _ctx(request), QUEUE_SHOWN)
    rows = pages.task_rows(tasks, request.app[console_key].zone)
    return render(request, "tasks.html", rows=rows, teams=_teams(request))


def _teams(request: web.Request) -> tuple[str, ...]:
    who = request[SESSION].person
    teams = _ctx(request).teams
    return teams if who.supervisor else tuple(t for t in teams if t == who.team)


@page
async def queue(request: web.Request) -> web.StreamResponse:
    """``GET /console/queue[?team=]``: a team's live tasks, the earliest due first, the
    overdue marked (an agent: their own team's)."""
    who = session_of(request).person
    team = request.query.get("team") or who.team or _ctx(request).default_team
    check_queue(who, team)
    tasks = await reads.team_queue(team, who, _ctx(request), QUEUE_SHOWN)
    rows = pages.task_rows(tasks, request.app[console_key].zone)
    return render(request, "queue.html", team=team, rows=rows, teams=_teams(request))


def loan_of(request: web.Request) -> str:
    """The path's loan id. :raises CaseNotFound: not an identifier, so no loan of ours."""
    loan_id = request.match_info["loan_id"]
    if not _ID.match(loan_id):
        raise reads.CaseNotFound("no such loan")
    return loan_id


@page
async def case(request: web.Request) -> web.StreamResponse:
    """``GET /console/cases/{loan_id}``: the case view."""
    who, ctx = session_of(request).person, _ctx(request)
    view = await reads.loan_case(loan_of(request), who, ctx)
    found = await visits.loan_visits(view["loan_id"], who, ctx)
    sent = visit_pages.sent_notices(view["contacts"])
    disputes = await console_visits.loan_disputes(view["loan_id"], who, ctx)
    return render(
        request,
        "case.html",
        case=view,
        recorded=request.query.get("recorded"),
        task_changed=request.query.get("task"),
        outcomes=get_args(Outcome),
        visits=visit_pages.visit_rows(found, language(request), sent),
        disputes=visit_pages.dispute_rows(disputes, ctx.calendar.business_date(ctx.clock())),
        key=secrets.token_urlsafe(12),
    )


@page
async def action_form(request: web.Request) -> web.StreamResponse:
    """``GET /console/cases/{loan_id}/action``: the form (its idempotency key fresh)."""
    who = session_of(request).person
    view = await reads.loan_case(loan_of(request), who, _ctx(request))
    return render(
        request, "action.html", case=view, fields=ACTION_FIELDS, key=secrets.token_urlsafe(12)
    )


def action_request(form: dict[str, str]) -> ActionRequest:
    """The form as the JSON API's body (the same command). :raises ValidationError:"""
    wanted = ACTION_FIELDS.get(form.get("action", ""), ())  # type: ignore[call-overload]
    body: dict[str, Any] = {"action_id": form.get("key", ""), "action": form.get("action")}
    for name in ("promised_amount", "promised_by", "requested_until", "visit_on"):
        if name in wanted and form.get(name):
            body[name] = form[name]
    if form.get("note"):
        body["note"] = form["note"]
    return ActionRequest.model_validate(body)


@page
async def take_action(request: web.Request) -> web.StreamResponse:
    """``POST /console/cases/{loan_id}/action``: sent to the scheduler, kept on the case."""
    form = await posted(request)
    who = request[SESSION].person
    loan_id = loan_of(request)
    action, _ = await commands.record_action(loan_id, action_request(form), who, _ctx(request))
    raise web.HTTPSeeOther(f"/console/cases/{loan_id}?recorded={action.action}")


def _task_id(request: web.Request) -> str:
    task_id = request.match_info["task_id"]
    if not _ID.match(task_id):
        raise TaskNotFound("no such task")
    return task_id


@page
async def start_task(request: web.Request) -> web.StreamResponse:
    """``POST /console/tasks/{task_id}/start``: the person takes the task (it is theirs)."""
    await posted(request)
    task = await actions.start(_task_id(request), request[SESSION].person, _ctx(request))
    ACTIONS.labels("start", "ok").inc()
    raise web.HTTPSeeOther(f"/console/cases/{task.loan_id}?task=started")


@page
async def finish_task(request: web.Request) -> web.StreamResponse:
    """``POST /console/tasks/{task_id}/done``: done, with its outcome and a note."""
    form = await posted(request)
    body = DoneBody.model_validate(
        {"outcome": form.get("outcome"), **({"note": form["note"]} if form.get("note") else {})}
    )
    task = await actions.finish(
        _task_id(request),
        request[SESSION].person,
        _ctx(request),
        outcome=body.outcome,
        note=body.note,
    )
    ACTIONS.labels("done", "ok").inc()
    raise web.HTTPSeeOther(f"/console/cases/{task.loan_id}?task=done")
