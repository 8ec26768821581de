"""The compliance officers' reports page and its CSV downloads."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from services.desk.domain.access import check_reports
from services.desk.domain.reports import REPORTS, Report, csv_text, table
from services.desk.domain.tasks import TransitionRefused
from services.desk.entrypoints.console.web import console_key, page, render, session_of
from services.desk.handlers.console import compliance_report


def _period(request: web.Request) -> tuple[date, date]:
    ctx = request.app[console_key].ctx
    today = ctx.calendar.business_date(ctx.clock())
    try:
        end = date.fromisoformat(request.query.get("to") or today.isoformat())
        start = date.fromisoformat(request.query.get("from") or (end - timedelta(6)).isoformat())
    except ValueError:
        raise TransitionRefused("from and to must be dates (YYYY-MM-DD)") from None
    return start, end


async def _report(request: web.Request) -> Report:
    console = request.app[console_key]
    who = session_of(request).person
    check_reports(who)
    start, end = _period(request)
    return await compliance_report(who, start, end, console.caps, console.ctx)


@page
async def reports(request: web.Request) -> web.StreamResponse:
    """``GET /console/reports[?from&to]``: every report over the period (the last 7 days)."""
    report = await _report(request)
    return render(request, "reports.html", report=report, names=REPORTS)


@page
async def download(request: web.Request) -> web.StreamResponse:
    """``GET /console/reports/{name}.csv[?from&to]``: one report as CSV."""
    name = request.match_info["name"]
    if name not in REPORTS:
        raise web.HTTPNotFound()
    report = await _report(request)
    header, rows = table(report, name)
    filename = f"dunwell-{name}-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return web.Response(
        body=csv_text(header, rows).encode("utf-8-sig"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
