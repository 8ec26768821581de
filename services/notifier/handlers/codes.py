"""Registering a send's verification code once it is known to have reached the borrower.

One handler for every way that becomes known after the fact: a person confirming an uncertain
send delivered (a review decision), or a provider found to have the message on reconciliation.
"""

from __future__ import annotations

from services.notifier.domain.interactions import replayed
from services.notifier.domain.model import SendStatus
from services.notifier.domain.sends import Send
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.outcomes import publish


async def register_delivered(
    ctx: SendContext, send: Send, *, provider: str | None, provider_message_id: str | None
) -> None:
    """The send is SENT in the ledger (its reservation now a contact the caps count) and its
    code is registered: a ``message_sent`` interaction with the code, which the audit log
    registers for the borrower's verification page. Its id derives from the send, so a replay,
    or the same send found by another path, registers it once."""
    entry = await ctx.store.entry(send.key)
    if entry is None or entry.status is not SendStatus.SENT:
        await ctx.store.settle(send.key, SendStatus.SENT, provider_message_id, provider)
        ctx.observer.counted(send.channel, "reconciled")
    await publish(ctx, replayed(send, ctx.clock(), provider, provider_message_id))
