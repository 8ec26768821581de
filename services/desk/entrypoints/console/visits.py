"""Field visits in the console: a visit's page (its slot, place and state in the page's
language), a new slot from the days the desk proposes, the field agent's outcome, the printable
documents, and the field team's queue of confirmed visits.

The forms go through the same use cases as ``/v1/visits``, under the person's own session.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Final, get_args

from aiohttp import web

from services.desk.domain import visit_pages
from services.desk.domain.commands import ActionRequest
from services.desk.domain.visits import OutcomeBody, RescheduleBody, Visit, VisitRefused
from services.desk.entrypoints import visit_documents
from services.desk.entrypoints.console.web import (
    SESSION,
    console_key,
    language,
    page,
    posted,
    render,
    session_of,
)
from services.desk.handlers import commands, console_visits, visits
from services.desk.handlers.context import DeskContext
from services.desk.handlers.visits import VisitNotFound
from shared.visit_events import VisitOutcome

OUTCOMES: Final[tuple[VisitOutcome, ...]] = get_args(VisitOutcome)
_ID = re.compile(r"^[\w.:|\-]{1,128}$")
#: The printable page keeps its own print styles and button (inline), nothing from elsewhere.
PRINT_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _ctx(request: web.Request) -> DeskContext:
    return request.app[console_key].ctx


def _visit_id(request: web.Request) -> str:
    wanted = request.match_info["visit_id"]
    if not _ID.match(wanted):
        raise VisitNotFound("no such visit")
    return wanted


async def _visit(request: web.Request) -> Visit:
    return await visits.one_visit(_visit_id(request), request[SESSION].person, _ctx(request))


@page
async def visit_page(request: web.Request) -> web.StreamResponse:
    """``GET /console/visits/{visit_id}``: the visit, and what may be done with it."""
    who = session_of(request).person
    ctx = _ctx(request)
    visit, sent = await console_visits.visit_with_notices(_visit_id(request), who, ctx)
    today = ctx.calendar.business_date(ctx.clock())
    return render(
        request,
        "visit.html",
        visit=visit,
        row=visit_pages.visit_row(visit, language(request), sent),
        days=visit_pages.offered_days(visit, today, ctx.calendar),
        outcomes=OUTCOMES,
        key=secrets.token_urlsafe(12),
        changed=request.query.get("changed"),
    )


def _day(form: dict[str, str]) -> date | None:
    """The day chosen (one the desk offered, or another typed). :raises ValidationError:"""
    chosen = form.get("other_day") or form.get("day") or None
    body = RescheduleBody.model_validate({"action_id": form.get("key", ""), "on": chosen})
    return body.on


@page
async def reschedule(request: web.Request) -> web.StreamResponse:
    """``POST /console/visits/{visit_id}/reschedule``: the agent's ``reschedule_visit`` action
    to the scheduler, which proposes the new slot and sends its notice."""
    form = await posted(request)
    visit = await _visit(request)
    if visit.state in ("cancelled", "done"):
        raise VisitRefused(f"the visit is {visit.state}")
    wanted = ActionRequest(
        action_id=form.get("key", ""), action="reschedule_visit", visit_on=_day(form)
    )
    await commands.record_action(visit.loan_id, wanted, request[SESSION].person, _ctx(request))
    raise web.HTTPSeeOther(f"/console/visits/{visit.visit_id}?changed=reschedule")


@page
async def outcome(request: web.Request) -> web.StreamResponse:
    """``POST /console/visits/{visit_id}/outcome``: met, not at home, refused or other, with a
    note; once (the form's key), to the evidence log, and the field task done with it."""
    form = await posted(request)
    visit = await _visit(request)
    body = OutcomeBody.model_validate(
        {
            "outcome_id": form.get("key", ""),
            "outcome": form.get("outcome"),
            **({"note": form["note"]} if form.get("note") else {}),
        }
    )
    await visits.record_outcome(
        visit.visit_id,
        request[SESSION].person,
        _ctx(request),
        outcome=body.outcome,
        note=body.note,
        key=body.outcome_id,
    )
    raise web.HTTPSeeOther(f"/console/visits/{visit.visit_id}?changed=outcome")


@page
async def documents(request: web.Request) -> web.StreamResponse:
    """``GET /console/visits/{visit_id}/documents``: the printable page, in the console's
    language unless ``?lang=`` asks otherwise."""
    session_of(request)
    visit = await _visit(request)
    html = visit_documents.render(visit, language(request))
    response = web.Response(text=html, content_type="text/html", charset="utf-8")
    response.headers.update(PRINT_HEADERS)
    return response


@page
async def field_queue(request: web.Request) -> web.StreamResponse:
    """``GET /console/field``: the field team's confirmed visits, the earliest first (a
    proposal, an undelivered notice or a cancelled visit is never here)."""
    who = session_of(request).person
    team, found = await console_visits.field_visits(who, _ctx(request))
    rows = [visit_pages.visit_row(v, language(request)) for v in found]
    return render(request, "field.html", team=team, rows=rows)
