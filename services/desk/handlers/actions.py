"""Agents' actions on tasks: assign, start, done. Each is checked (who may), applied by the
pure rules, and written at the version it was read: a task that moved meanwhile (the desk closed
it, another agent took it) is refused, never overwritten."""

from __future__ import annotations

from collections.abc import Callable

from services.desk.domain import tasks as rules
from services.desk.domain.access import Person, check_assignment, check_task
from services.desk.domain.model import Changes, Note, Outcome, Task
from services.desk.handlers.context import DeskContext
from services.desk.metrics import TASKS_FINISHED
from shared.errors import ServiceError


class TaskNotFound(ServiceError):
    """No task has that id (HTTP 404)."""


async def _act(
    task_id: str, person: Person, ctx: DeskContext, change: Callable[[Task], Task]
) -> Task:
    task = await ctx.store.task(task_id)
    if task is None:
        raise TaskNotFound("no such task")
    changed = change(task)
    await ctx.store.commit(Changes(tasks=(changed,)))
    return changed.model_copy(update={"version": task.version + 1})


async def assign(
    task_id: str, person: Person, ctx: DeskContext, *, team: str | None, assignee: str | None
) -> Task:
    """Move a task to a team's queue and/or to an agent."""
    if team is not None and team not in ctx.teams:
        raise rules.TransitionRefused("no such team")

    def change(task: Task) -> Task:
        check_assignment(person, task, team, assignee)
        return rules.assign(task, by=person.id, at=ctx.clock(), team=team, assignee=assignee)

    return await _act(task_id, person, ctx, change)


async def start(task_id: str, person: Person, ctx: DeskContext) -> Task:
    """The person starts working on the task."""

    def change(task: Task) -> Task:
        check_task(person, task)
        return rules.start(task, by=person.id, at=ctx.clock())

    return await _act(task_id, person, ctx, change)


async def finish(
    task_id: str, person: Person, ctx: DeskContext, *, outcome: Outcome, note: Note | None
) -> Task:
    """The person is done with the task, with its outcome."""

    def change(task: Task) -> Task:
        check_task(person, task)
        return rules.finish(task, by=person.id, at=ctx.clock(), outcome=outcome, note=note)

    done = await _act(task_id, person, ctx, change)
    TASKS_FINISHED.labels(done.kind, "done", outcome).inc()
    return done
