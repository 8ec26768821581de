"""The open and overdue gauges (tasks per team, review items, the dispute register), refreshed
from the store."""

from __future__ import annotations

from services.desk.handlers.context import DeskContext
from services.desk.handlers.disputes import refresh_dispute_gauges
from services.desk.handlers.review import refresh_review_gauges
from services.desk.metrics import TASKS_LIVE, TASKS_OVERDUE


async def refresh_gauges(ctx: DeskContext) -> None:
    """Set every team's gauges (0 for a team with nothing live)."""
    loads = {load.team: load for load in await ctx.store.loads(ctx.clock())}
    for team in sorted({*ctx.teams, *loads}):
        load = loads.get(team)
        TASKS_LIVE.labels(team).set(load.live if load else 0)
        TASKS_OVERDUE.labels(team).set(load.overdue if load else 0)
    await refresh_review_gauges(ctx)
    await refresh_dispute_gauges(ctx)
