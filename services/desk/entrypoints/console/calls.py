"""Recording a call in the console: the pre-call gate is asked first (``POST /v1/calls`` on
the notifier); only an allowed call gets the outcome form, reported against its reservation.
A deferral or a block is shown with its rules, reasons and next permitted time."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from services.desk.domain.calls import (
    ANSWERED,
    CALL_PURPOSES,
    CALL_STATUSES,
    CallReport,
    GateUnavailable,
)
from services.desk.domain.session import BadSession, sign, unsign
from services.desk.entrypoints.console.pages import loan_of
from services.desk.entrypoints.console.web import (
    SESSION,
    Console,
    console_key,
    page,
    posted,
    render,
    session_of,
)
from services.desk.handlers import reads
from services.desk.handlers.console import Dial, ask_gate, report_call
from services.desk.ports import CallGate

DISPOSITIONS = (
    "promise_to_pay",
    "extension_request",
    "instalment_request",
    "dispute",
    "complaint",
    "already_paid",
    "wrong_party",
    "stop_calling",
)


def _gate(console: Console) -> CallGate:
    if console.gate is None:
        raise GateUnavailable("no pre-call gate is configured")
    return console.gate


async def _show(request: web.Request, **values: Any) -> web.Response:
    console = request.app[console_key]
    who = request[SESSION].person
    view = await reads.loan_case(loan_of(request), who, console.ctx)
    return render(
        request,
        "call.html",
        case=view,
        purposes=CALL_PURPOSES,
        statuses=CALL_STATUSES,
        dispositions=DISPOSITIONS,
        available=console.gate is not None,
        **{"key": secrets.token_urlsafe(12), "answer": None, "ticket": "", **values},
    )


@page
async def call_form(request: web.Request) -> web.StreamResponse:
    """``GET /console/cases/{loan_id}/call``: the number and purpose to ask the gate about."""
    session_of(request)
    return await _show(request)


@page
async def ask(request: web.Request) -> web.StreamResponse:
    """``POST /console/cases/{loan_id}/call``: the gate's answer; when allowed, the outcome
    form with a ticket binding the call to this loan and person."""
    form = await posted(request)
    console, who = request.app[console_key], request[SESSION].person
    dial = Dial(
        key=f"console-{who.id}-{form.get('key', '')}"[:200],
        number=form.get("number", "").replace(" ", ""),
        purpose=form.get("purpose", "collection"),
        sender=console.sender,
    )
    answer = await ask_gate(_gate(console), loan_of(request), dial, who, console.ctx)
    ticket = ""
    if answer.allowed:
        bound = {"call_id": answer.call_id, "loan_id": loan_of(request), "sub": who.id}
        ticket = sign(bound, console.secret)
    return await _show(request, answer=answer, ticket=ticket)


def _report(form: dict[str, str], agent_id: str, now: datetime) -> CallReport:
    """The outcome form as the gate's report body. :raises ValidationError:"""
    raw = form.get("duration_s") or "0"
    dispositions: list[dict[str, str]] = []
    if form.get("disposition") and form.get("status") in ANSWERED:
        terms = {"kind": form["disposition"]}
        terms |= {k: form[k] for k in ("amount", "on") if form.get(k)}
        dispositions.append(terms)
    return CallReport.model_validate(
        {
            "status": form.get("status"),
            "started_at": now - timedelta(seconds=int(raw) if raw.isdigit() else 0),
            "duration_s": raw,
            "agent_id": agent_id,
            "summary": form.get("summary", ""),
            "dispositions": dispositions,
        }
    )


@page
async def outcome(request: web.Request) -> web.StreamResponse:
    """``POST /console/cases/{loan_id}/call/outcome``: how the allowed call went."""
    form = await posted(request)
    console, who = request.app[console_key], request[SESSION].person
    loan_id = loan_of(request)
    bound = unsign(form.get("ticket", ""), console.secret)
    if bound.get("loan_id") != loan_id or bound.get("sub") != who.id:
        raise BadSession("the call's ticket is for another loan or person")
    report = _report(form, who.id, console.ctx.clock())
    await report_call(_gate(console), loan_id, str(bound["call_id"]), report, who, console.ctx)
    raise web.HTTPSeeOther(f"/console/cases/{loan_id}?recorded=call")
