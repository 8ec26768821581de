"""Withdrawing waiting sends: the scheduler's withdrawal, and a later request superseding."""

from __future__ import annotations

from services.notifier.domain.model import Deferral
from services.notifier.domain.sends import Send
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.outcomes import record_stopped
from shared.events import ContactRequested, ContactWithdrawn


async def withdraw_contacts(event: ContactWithdrawn, ctx: SendContext) -> None:
    """The scheduler withdrew the loan's earlier requests: none of their waiting sends goes."""
    withdrawn = await ctx.store.withdraw(
        event.debtor_id, event.loan_id, episode=event.episode, at=ctx.clock()
    )
    why = f"withdrawn by the scheduler: {event.reason}"
    await ctx.store.withdraw_kept(event.debtor_id, event.loan_id, reason=why, episode=event.episode)
    await record_withdrawn(ctx, withdrawn, why)


async def record_withdrawn(ctx: SendContext, sends: list[Deferral], reason: str) -> None:
    """Count and record each withdrawn send."""
    for waiting in sends:
        request = ContactRequested.model_validate_json(waiting.request)
        send = Send.of(request, waiting.channel, ctx.verification_secret)
        await record_stopped(ctx, send, "send_withdrawn", "withdrawn", reason[:500])
