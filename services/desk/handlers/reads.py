"""What agents read: a team's queue, one task, a loan's case, a borrower's cases."""

from __future__ import annotations

from typing import Any, Final

from services.desk.domain.access import NotAllowed, Person, check_case, check_queue, check_task
from services.desk.domain.model import Case
from services.desk.domain.view import case_view, task_json
from services.desk.handlers.actions import TaskNotFound
from services.desk.handlers.context import DeskContext
from shared.errors import ServiceError

#: Contacts listed in one case view (the newest).
CONTACTS_SHOWN: Final = 200


class CaseNotFound(ServiceError):
    """The desk knows no such loan or borrower (HTTP 404)."""


async def team_queue(team: str, person: Person, ctx: DeskContext, limit: int) -> list[Any]:
    """The team's live tasks, the earliest due first."""
    check_queue(person, team)
    now = ctx.clock()
    return [task_json(t, now) for t in await ctx.store.queue(team, limit)]


async def team_loads(person: Person, ctx: DeskContext) -> list[dict[str, Any]]:
    """Every team's live and overdue tasks (a supervisor's), or the agent's own team's."""
    loads = {load.team: load for load in await ctx.store.loads(ctx.clock())}
    teams = ctx.teams if person.supervisor else tuple(t for t in ctx.teams if t == person.team)
    return [
        {
            "team": team,
            "live": loads[team].live if team in loads else 0,
            "overdue": loads[team].overdue if team in loads else 0,
        }
        for team in teams
    ]


async def my_tasks(person: Person, ctx: DeskContext, limit: int) -> list[Any]:
    """The live tasks the person holds, the earliest due first."""
    now = ctx.clock()
    return [task_json(t, now) for t in await ctx.store.assigned(person.id, limit)]


async def one_task(task_id: str, person: Person, ctx: DeskContext) -> dict[str, Any]:
    task = await ctx.store.task(task_id)
    if task is None:
        raise TaskNotFound("no such task")
    check_task(person, task)
    return task_json(task, ctx.clock())


async def _view(case: Case, person: Person, ctx: DeskContext) -> dict[str, Any]:
    tasks = await ctx.store.tasks_of_loan(case.loan_id)
    check_case(person, tasks)
    return case_view(
        case,
        tasks=tasks,
        contacts=await ctx.store.contacts(case.debtor_id, case.loan_id, CONTACTS_SHOWN),
        promises=await ctx.store.promises(case.loan_id),
        now=ctx.clock(),
        actions=await ctx.store.actions(case.loan_id),
    )


async def loan_case(loan_id: str, person: Person, ctx: DeskContext) -> dict[str, Any]:
    """The case view of one loan."""
    case = await ctx.store.case(loan_id)
    if case is None:
        raise CaseNotFound("no such loan")
    return await _view(case, person, ctx)


async def borrower_cases(debtor_id: str, person: Person, ctx: DeskContext) -> list[Any]:
    """The case views of a borrower's loans that the person may see (403 when none)."""
    found = await ctx.store.cases_of_debtor(debtor_id)
    if not found:
        raise CaseNotFound("no such borrower")
    views = []
    for case in found:
        try:
            views.append(await _view(case, person, ctx))
        except NotAllowed:
            continue  # another team's loan of the same borrower
    if not views:
        raise NotAllowed("the borrower's cases belong to another team")
    return views
