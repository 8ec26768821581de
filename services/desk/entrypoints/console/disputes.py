"""Disputes and complaints in the console: the register (open ones with their age and the
day the bank's answer is due) for supervisors and compliance officers, one entry and its
resolution, and a dispute or complaint recorded from a case.

Recording is the agent's ``dispute``/``complaint`` action (the scheduler stops collection of
the debt and opens the register's entry); resolving is the register's use case, under the
person's id (the scheduler releases the hold).
"""

from __future__ import annotations

import re
from typing import Final, get_args

from aiohttp import web

from services.desk.domain import visit_pages
from services.desk.domain.commands import ActionRequest
from services.desk.domain.disputes import STATUSES, DisputeStatus, ResolveBody
from services.desk.entrypoints.console.pages import loan_of
from services.desk.entrypoints.console.web import (
    SESSION,
    console_key,
    page,
    posted,
    render,
    session_of,
)
from services.desk.handlers import commands, console_visits, disputes
from services.desk.handlers.context import DeskContext
from shared.case_events import DisputeCategory, DisputeResolution

CATEGORIES: Final[tuple[DisputeCategory, ...]] = get_args(DisputeCategory)
RESOLUTIONS: Final[tuple[DisputeResolution, ...]] = get_args(DisputeResolution)
SHOWN: Final = 500
_ID = re.compile(r"^[\w.:|\-]{1,128}$")


def _ctx(request: web.Request) -> DeskContext:
    return request.app[console_key].ctx


def _dispute_id(request: web.Request) -> str:
    wanted = request.match_info["dispute_id"]
    if not _ID.match(wanted):
        raise disputes.DisputeNotFound("no such dispute")
    return wanted


def _status(request: web.Request) -> DisputeStatus | None:
    asked = request.query.get("status", "open")
    return next((s for s in STATUSES if s == asked), None)


@page
async def register(request: web.Request) -> web.StreamResponse:
    """``GET /console/disputes[?status=open|resolved|all]``: the register, the earliest answer
    due first (the open ones unless asked)."""
    who, ctx = session_of(request).person, _ctx(request)
    status = _status(request)
    found = await console_visits.register_entries(who, ctx, status, SHOWN)
    today = ctx.calendar.business_date(ctx.clock())
    return render(
        request,
        "disputes.html",
        rows=visit_pages.dispute_rows(found, today),
        shown=status or "all",
        statuses=(*STATUSES, "all"),
    )


@page
async def entry(request: web.Request) -> web.StreamResponse:
    """``GET /console/disputes/{dispute_id}``: one entry, and the resolution form while open."""
    who, ctx = session_of(request).person, _ctx(request)
    found = await console_visits.dispute_entry(_dispute_id(request), who, ctx)
    [row] = visit_pages.dispute_rows([found], ctx.calendar.business_date(ctx.clock()))
    return render(
        request,
        "dispute.html",
        row=row,
        resolutions=RESOLUTIONS,
        resolved=request.query.get("resolved"),
    )


@page
async def resolve(request: web.Request) -> web.StreamResponse:
    """``POST /console/disputes/{dispute_id}/resolve``: upheld or rejected, with a note, by a
    supervisor or a compliance officer; collection of the debt resumes."""
    form = await posted(request)
    body = ResolveBody.model_validate(
        {
            "resolution": form.get("resolution"),
            **({"note": form["note"]} if form.get("note") else {}),
        }
    )
    done = await disputes.resolve(
        _dispute_id(request),
        request[SESSION].person,
        _ctx(request),
        resolution=body.resolution,
        note=body.note,
    )
    raise web.HTTPSeeOther(f"/console/disputes/{done.dispute_id}?resolved={done.resolution}")


@page
async def record(request: web.Request) -> web.StreamResponse:
    """``POST /console/cases/{loan_id}/dispute``: a dispute or a complaint the borrower raised,
    taken down by the person (once per form): collection of the debt stops until resolved."""
    form = await posted(request)
    loan_id = loan_of(request)
    category = next((c for c in CATEGORIES if c == form.get("category")), None)
    wanted = ActionRequest.model_validate(
        {
            "action_id": form.get("key", ""),
            "action": category,
            **({"note": form["note"]} if form.get("note") else {}),
        }
    )
    await commands.record_action(loan_id, wanted, request[SESSION].person, _ctx(request))
    raise web.HTTPSeeOther(f"/console/cases/{loan_id}?recorded={wanted.action}")
