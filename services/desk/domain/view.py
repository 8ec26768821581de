"""What an agent sees: a task in a queue, and the case view of a loan (JSON-ready, pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from services.desk.domain.model import AgentAction, Case, Contact, Promise, Task


def task_json(task: Task, now: datetime) -> dict[str, Any]:
    """One task, with whether it is past its SLA now."""
    body = task.model_dump(mode="json", exclude={"version"})
    body["overdue"] = task.live and task.due_at <= now
    return body


def case_status(case: Case) -> str:
    """``written_off``, ``closed``, ``cured``, ``delinquent`` or ``unknown`` (no range seen)."""
    if case.terminal is not None:
        return case.terminal
    if case.episode == 0:
        return "unknown"
    return "cured" if case.ended_episode >= case.episode else "delinquent"


def evidence_link(loan_id: str) -> str:
    """The loan's timeline in the evidence log, read through the desk under the person's own
    identity (a case grant; the audit service logs the read under their id)."""
    return f"/v1/cases/{quote(loan_id, safe='')}/evidence"


def _overdue(case: Case) -> dict[str, Any]:
    """What the latest overdue notice said was owed."""
    return {
        "amount": str(case.overdue_amount) if case.overdue_amount is not None else None,
        "currency": case.currency,
        "as_of": case.overdue_as_of.isoformat() if case.overdue_as_of else None,
        "account_masked": case.account_masked,
    }


def case_view(
    case: Case,
    *,
    tasks: Sequence[Task],
    contacts: Sequence[Contact],
    promises: Sequence[Promise],
    now: datetime,
    actions: Sequence[AgentAction] = (),
) -> dict[str, Any]:
    """The case of one loan: where it stands, what is owed, every contact and decision, its
    open and past tasks, its promises, what agents took down, and where its evidence is."""
    ordered = sorted(tasks, key=lambda t: (t.due_at, t.task_id))
    return {
        "loan_id": case.loan_id,
        "debtor_id": case.debtor_id,
        "status": case_status(case),
        "episode": case.episode,
        "range": case.range_id,
        "days_past_due": case.days_past_due,
        "as_of": case.as_of.isoformat() if case.as_of else None,
        "statement": case.statement.model_dump(mode="json") if case.statement else None,
        "overdue": _overdue(case),
        "tasks": {
            "open": [task_json(t, now) for t in ordered if t.live],
            "past": [task_json(t, now) for t in ordered if not t.live],
        },
        "contacts": [
            c.model_dump(mode="json")
            for c in sorted(contacts, key=lambda c: (c.at, c.event_id), reverse=True)
        ],
        "promises": [
            p.model_dump(mode="json") for p in sorted(promises, key=lambda p: p.promised_by)
        ],
        "actions": [a.model_dump(mode="json") for a in actions],
        "evidence": {"timeline": evidence_link(case.loan_id)},
    }
