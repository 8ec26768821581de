"""Whether a contact request is still true at the moment it would go out. Pure.

A request is planned by the scheduler at one moment and may go out much later (a deferral, a
hold, a retry). Episodes that ended or were held are withdrawn by the scheduler's own event;
what the request itself shows to be past is judged here, on the debtor's local date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.events import ContactRequested


def local_today(now: datetime, timezones: tuple[str, ...]) -> date:
    """The latest local date among the debtor's candidate zones (the strictest reading)."""
    return max(now.astimezone(ZoneInfo(zone)).date() for zone in timezones)


def stale_reason(request: ContactRequested, today: date) -> str | None:
    """Why ``request`` is no longer true on ``today`` (None while it still is)."""
    visit = request.appointment if request.purpose == "visit_notice" else None
    if visit is not None and visit <= today:
        return f"the visit on {visit} is no longer ahead"
    called_off = request.appointment if request.purpose == "visit_cancellation" else None
    if called_off is not None and called_off < today:
        return f"the visit on {called_off} it calls off has passed"
    if request.purpose == "pre_due_reminder" and request.due_date < today:
        return f"the instalment due {request.due_date} is no longer ahead"
    if request.pay_by < today:
        return f"the pay-by date {request.pay_by} has passed"
    return None
