"""Disputes hold a debt at the gate: opened when the scheduler announces one, released when
it announces the desk's resolution. Every send and call about that debt is blocked meanwhile,
naming the dispute (the pack's debt_hold rule)."""

from __future__ import annotations

from services.notifier.domain.policy.scenario import Hold
from services.notifier.handlers.context import SendContext
from services.notifier.metrics import DEBT_HOLDS
from shared.events import DisputeOpened, DisputeResolved


def hold_of(event: DisputeOpened | DisputeResolved) -> Hold:
    dispute_id = event.event_id if isinstance(event, DisputeOpened) else event.dispute_id
    return Hold(dispute_id=dispute_id, debt_id=event.loan_id, category=event.category)


async def dispute_opened(event: DisputeOpened, ctx: SendContext) -> None:
    if await ctx.store.open_hold(event.debtor_id, hold_of(event), ctx.clock()):
        DEBT_HOLDS.labels(event.category, "opened").inc()


async def dispute_resolved(event: DisputeResolved, ctx: SendContext) -> None:
    if await ctx.store.release_hold(event.debtor_id, hold_of(event), ctx.clock()):
        DEBT_HOLDS.labels(event.category, "released").inc()
