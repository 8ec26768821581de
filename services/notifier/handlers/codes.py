"""Registering a send's verification code once what became of an uncertain send is known.

One handler for every way that becomes known after the fact: a person deciding on the desk's
review queue (confirmed delivered, or not), a provider found to have the message (or certainly
not) by the reconciler or by the recovery after a restart, a provider's push. When the send
became uncertain its code was registered as possibly sent (``outcomes.settle_uncertain``);
:func:`register_delivered` registers it as sent, :func:`register_not_sent` as not sent, and
either forgets the send kept for the reconciler.
"""

from __future__ import annotations

from services.notifier.domain.interactions import not_sent, replayed
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
    await ctx.store.forget_uncertain(send.key)
    await publish(ctx, replayed(send, ctx.clock(), provider, provider_message_id))


async def register_not_sent(ctx: SendContext, send: Send, reason: str) -> None:
    """The send never went (its provider certainly has nothing, or a person confirmed it was
    not delivered): FAILED in the ledger, so it counts against no cap, and its code registered
    as not sent (a ``send_not_sent`` interaction with the code: the page no longer says the
    message may be genuine)."""
    entry = await ctx.store.entry(send.key)
    if entry is not None and entry.status is not SendStatus.FAILED:
        await ctx.store.settle(send.key, SendStatus.FAILED, None, entry.provider)
        ctx.observer.counted(send.channel, "not_sent")
    await ctx.store.forget_uncertain(send.key)
    await publish(ctx, not_sent(send, ctx.clock(), reason))
