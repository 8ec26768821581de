"""The console's evidence page: a case's entries in the evidence log, read under the person's
own identity (the desk's case grant; the audit service logs the read under their id)."""

from __future__ import annotations

from aiohttp import web

from services.desk.domain.evidence import evidence_rows
from services.desk.entrypoints.console.pages import loan_of
from services.desk.entrypoints.console.web import console_key, page, render, session_of
from services.desk.handlers.evidence import case_evidence


@page
async def evidence(request: web.Request) -> web.StreamResponse:
    """``GET /console/cases/{loan_id}/evidence``: the loan's entries, the newest first."""
    console, loan_id = request.app[console_key], loan_of(request)
    entries = await case_evidence(loan_id, session_of(request).person, console.ctx)
    rows = evidence_rows(entries, console.zone)
    return render(request, "evidence.html", loan_id=loan_id, rows=rows)
