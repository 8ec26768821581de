"""Call tasks (pure): a strategy's call step in its queue, and the call that closes it.

The scheduler's ``CallTaskOpened`` opens a task of kind ``call`` in the step's queue (an agent
team or a dialler queue; a queue the desk does not know goes to the default team), due at close
of business of the step's SLA day. The dialler or agent asks the pre-call gate with the task's
id; the notifier's ``CallReported`` then closes the task with the call's outcome, once.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from services.desk.domain.model import Action, Case, Outcome, Task
from services.desk.domain.sla import SlaPolicy
from services.desk.domain.tasks import DESK, close, opened_on
from shared.calendars import Calendar
from shared.events import CallReported, CallTaskOpened

CALL: Final = "call"
#: What a call's disposition makes of the task's outcome (the first that applies wins).
_BY_DISPOSITION: Final[dict[str, Outcome]] = {
    "promise_to_pay": "promise_recorded",
    "extension_request": "referred",
    "instalment_request": "referred",
    "dispute": "referred",
    "complaint": "referred",
    "already_paid": "referred",
}


def open_call_task(
    event: CallTaskOpened,
    *,
    teams: Collection[str],
    default_team: str,
    policy: SlaPolicy,
    calendar: Calendar,
    case: Case | None,
) -> Task:
    """The call step's task in its queue, due at close of business of its SLA day; closed at
    once when the case already shows it is not needed (a cure read before the task)."""
    zone = ZoneInfo(calendar.time_zone)
    closing = datetime.combine(calendar.roll_forward(event.due_by), policy.close_of_business, zone)
    task = Task(
        task_id=event.event_id,
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        kind=CALL,
        episode=event.episode,
        team=event.queue if event.queue in teams else default_team,
        opened_at=event.occurred_at,
        due_at=closing.astimezone(ZoneInfo("UTC")),
        due_by=event.due_by,
        purpose=event.purpose,
        step=event.step,
        actions=(
            Action(at=event.occurred_at, by=DESK, what="opened", detail=f"call: {event.purpose}"),
        ),
    )
    reason = case.episode_over(task.episode, opened_on(task)) if case is not None else None
    return close(task, reason, event.occurred_at) if reason is not None else task


def call_outcome(event: CallReported) -> Outcome:
    """The task's outcome: what the borrower agreed or asked for, else how the call went."""
    for kind in event.dispositions:
        if kind in _BY_DISPOSITION:
            return _BY_DISPOSITION[kind]
    return "contacted" if event.status == "connected" else "unreachable"


def call_reported(task: Task, event: CallReported) -> Task | None:
    """The task closed with the call's outcome by the agent who made it; None when there is
    nothing to change (done or closed already, a repeat) or the call was about another loan."""
    if not task.live or task.kind != CALL or task.loan_id != event.loan_id:
        return None
    if task.debtor_id != event.debtor_id:
        return None
    outcome = call_outcome(event)
    dispositions = ", ".join(event.dispositions) or "none"
    note = f"call {event.status}; dispositions: {dispositions}"
    return task.model_copy(
        update={
            "status": "done",
            "outcome": outcome,
            "note": note,
            "assignee": task.assignee or event.agent_id,
            "finished_at": event.occurred_at,
            "call_id": event.call_id,
            "actions": (
                *task.actions,
                Action(at=event.occurred_at, by=event.agent_id, what="done", detail=outcome),
            ),
        }
    )
