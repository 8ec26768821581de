"""A task's life: opened, assigned (to a team or an agent), in progress, done with an outcome,
or closed by itself once it is no longer needed. Pure: each rule returns the new task or raises
:class:`TransitionRefused` with the reason; the use case writes the result.

    open ──assign──▶ open (team or agent changed) ──start──▶ in_progress ──done──▶ done
      └──────────────────── the episode ended (cure), write-off, loan closed ──────▶ closed

A task that is done or closed stays so: nothing reopens it (a new need is a new task).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from services.desk.domain.model import Action, Case, CloseReason, Note, Outcome, Task
from services.desk.domain.sla import SlaPolicy, due_at
from shared.calendars import Calendar
from shared.errors import ServiceError
from shared.events import AgentTaskOpened, DebtorTaskOpened

#: Who acts when the desk itself closes a task.
DESK = "desk"


class TransitionRefused(ServiceError):
    """The task cannot go there from where it is (the reason says why; no personal data)."""


def open_task(
    event: AgentTaskOpened,
    *,
    teams: Mapping[str, str],
    default_team: str,
    policy: SlaPolicy,
    calendar: Calendar,
    case: Case | None,
) -> Task:
    """The task an ``AgentTaskOpened`` asks for, in its kind's team, due by the SLA; closed at
    once when the case already shows it is not needed (a cure read before the task)."""
    task = Task(
        task_id=event.event_id,
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        kind=event.kind,
        episode=event.episode,
        team=teams.get(event.kind, default_team),
        opened_at=event.occurred_at,
        due_at=due_at(
            policy,
            calendar,
            kind=event.kind,
            opened_at=event.occurred_at,
            due_by=event.due_by,
            appointment=event.appointment,
        ),
        due_by=event.due_by,
        appointment=event.appointment,
        place=event.place,
        proposed_plan=event.proposed_plan,
        actions=(Action(at=event.occurred_at, by=DESK, what="opened", detail=event.kind),),
    )
    reason = case.episode_over(task.episode, opened_on(task)) if case is not None else None
    return close(task, reason, event.occurred_at) if reason is not None else task


def open_debtor_task(
    event: DebtorTaskOpened,
    *,
    teams: Mapping[str, str],
    default_team: str,
    policy: SlaPolicy,
    calendar: Calendar,
) -> Task:
    """The task a ``DebtorTaskOpened`` asks for: a debtor's words where no loan of theirs is
    known (kept, routed by debtor); in its kind's team, due by the SLA, naming no loan."""
    return Task(
        task_id=event.event_id,
        loan_id=None,
        debtor_id=event.debtor_id,
        kind=event.kind,
        episode=1,
        team=teams.get(event.kind, default_team),
        opened_at=event.occurred_at,
        due_at=due_at(
            policy,
            calendar,
            kind=event.kind,
            opened_at=event.occurred_at,
            due_by=event.due_by,
            appointment=None,
        ),
        due_by=event.due_by,
        actions=(
            Action(
                at=event.occurred_at,
                by=DESK,
                what="opened",
                detail=f"{event.kind}: {event.intent} ({event.channel})",
            ),
        ),
    )


def opened_on(task: Task) -> date:
    """The business day the scheduler opened the task for (it stamps outputs at 00:00 UTC of
    the day they were decided on, the day a range change names as ``as_of``)."""
    return task.opened_at.astimezone(UTC).date()


def _live(task: Task) -> None:
    if not task.live:
        raise TransitionRefused(f"the task is {task.status}")


def assign(
    task: Task, *, by: str, at: datetime, team: str | None = None, assignee: str | None = None
) -> Task:
    """Move the task to another team's queue and/or to an agent (None: back to the queue)."""
    _live(task)
    new_team = team or task.team
    detail = f"team={new_team} assignee={assignee or '-'}"
    return task.model_copy(
        update={
            "team": new_team,
            "assignee": assignee,
            # Taken back to the queue: no one is working on it any more.
            "status": task.status if assignee else "open",
            "actions": (*task.actions, Action(at=at, by=by, what="assigned", detail=detail)),
        }
    )


def start(task: Task, *, by: str, at: datetime) -> Task:
    """An agent starts working on the task (and holds it, if no one did)."""
    _live(task)
    if task.assignee not in (None, by):
        raise TransitionRefused("the task is assigned to another agent")
    return task.model_copy(
        update={
            "status": "in_progress",
            "assignee": by,
            "actions": (*task.actions, Action(at=at, by=by, what="started")),
        }
    )


def finish(task: Task, *, by: str, at: datetime, outcome: Outcome, note: Note | None) -> Task:
    """The agent is done, with what came of it; only the agent holding the task may say so."""
    if task.status != "in_progress":
        raise TransitionRefused(f"only a task in progress can be done; this one is {task.status}")
    if task.assignee != by:
        raise TransitionRefused("the task is held by another agent")
    return task.model_copy(
        update={
            "status": "done",
            "outcome": outcome,
            "note": note,
            "finished_at": at,
            "actions": (*task.actions, Action(at=at, by=by, what="done", detail=outcome)),
        }
    )


def close(task: Task, reason: CloseReason, at: datetime) -> Task:
    """The task is no longer needed; a finished task stays as it was."""
    if not task.live:
        return task
    return task.model_copy(
        update={
            "status": "closed",
            "closed_reason": reason,
            "finished_at": at,
            "actions": (*task.actions, Action(at=at, by=DESK, what="closed", detail=reason)),
        }
    )


def no_longer_needed(tasks: list[Task], case: Case, at: datetime) -> tuple[Task, ...]:
    """The live tasks of ``case`` that its state ends, closed with the reason."""
    closed = []
    for task in tasks:
        reason = case.episode_over(task.episode, opened_on(task))
        if task.live and reason is not None:
            closed.append(close(task, reason, at))
    return tuple(closed)
