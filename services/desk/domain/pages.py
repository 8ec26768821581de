"""What the console's pages show, formatted: local times, amounts, task rows, form errors.

Pure: the JSON-ready views of :mod:`~services.desk.domain.view` in, strings and rows out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from shared.dunwell_events import CaseAction

#: The fields of the action form each action needs (the others are not shown for it).
ACTION_FIELDS: Mapping[CaseAction, tuple[str, ...]] = {
    "promise_to_pay": ("promised_amount", "promised_by"),
    "extension_request": ("requested_until",),
    "instalment_request": ("requested_until",),
    # Agreed with the borrower: escalation holds until the day the agent names, no task opens.
    "extension_agreed": ("requested_until",),
    "plan_agreed": ("requested_until",),
    "dispute": (),
    "complaint": (),
    "already_paid": (),
    "reschedule_visit": ("visit_on",),
    "wrong_party": (),
    "stop_calling": (),
}


def when(value: str | datetime | None, zone: ZoneInfo) -> str:
    """An instant as the bank's local ``YYYY-MM-DD HH:MM`` (empty for none)."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def money(value: str | Decimal | None, currency: str | None, lang: str) -> str:
    """An amount as the borrower's texts write it: ``1,250.00元`` in Chinese for CNY,
    ``CNY 1,250.00`` in English."""
    if value is None or value == "":
        return ""
    try:
        amount = f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)
    if lang == "zh-CN" and currency == "CNY":
        return f"{amount}元"
    return f"{currency} {amount}" if currency else amount


@dataclass(frozen=True)
class TaskRow:
    """One line of a queue."""

    task_id: str
    loan_id: str
    kind: str
    status: str
    due: str
    overdue: bool
    assignee: str | None


def task_rows(tasks: Iterable[Mapping[str, Any]], zone: ZoneInfo) -> list[TaskRow]:
    """Tasks as queue lines, the earliest due first."""
    ordered = sorted(tasks, key=lambda t: (t["due_at"], t["task_id"]))
    return [
        TaskRow(
            task_id=t["task_id"],
            loan_id=t["loan_id"],
            kind=t["kind"],
            status=t["status"],
            due=when(t["due_at"], zone),
            overdue=bool(t.get("overdue")),
            assignee=t.get("assignee"),
        )
        for t in ordered
    ]


def next_query(path: str) -> str:
    """The query that brings a person back to ``path`` after signing in."""
    return urlencode({"next": path})


def invalid(error: ValidationError) -> str:
    """A form's errors as one line naming the fields (never the values typed)."""
    fields = sorted({".".join(str(p) for p in e["loc"]) or "form" for e in error.errors()})
    return "invalid: " + ", ".join(fields)


def day(value: str | None) -> date | None:
    """A form's date field (empty: none). :raises ValueError: not a date."""
    return date.fromisoformat(value) if value else None
