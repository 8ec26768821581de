"""A send the ledger already has: replayed from what it says, or recovered after a crash."""

from __future__ import annotations

from services.notifier.domain.interactions import replayed
from services.notifier.domain.model import DeliveryUncertain, LedgerEntry, SendStatus
from services.notifier.domain.sends import Send
from services.notifier.handlers.codes import register_delivered
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.outcomes import publish, record_uncertain, settle_uncertain


async def replay(ctx: SendContext, send: Send, entry: LedgerEntry) -> bool:
    """Answer a redelivered request from the ledger; False when it should be sent after all."""
    if entry.status is SendStatus.PENDING:
        return await _recover(ctx, send, entry)
    ctx.observer.counted(send.channel, "duplicate")
    if entry.status is SendStatus.SENT:
        await publish(ctx, replayed(send, ctx.clock(), entry.provider, entry.provider_message_id))
    elif entry.status is SendStatus.UNCERTAIN:  # kept and recorded again, if a crash lost that
        await record_uncertain(ctx, send, entry.provider, "redelivered while uncertain")
    return True


async def _recover(ctx: SendContext, send: Send, entry: LedgerEntry) -> bool:
    """A send found PENDING after a crash between the provider call and the ledger update.

    No provider noted: none was called, so the claim is dropped and the send goes through the
    gate again. A provider noted: it is asked (by our out-id) whether it has the message; if it
    has, the send is SENT; if it certainly has not, the send goes through the gate again; if it
    cannot be asked, the send is UNCERTAIN and a person reconciles it. Never a blind resend.
    """
    if entry.provider is None:
        await ctx.store.release(entry.key)
        return False
    directory = await ctx.store.get(send.request.debtor_id)
    address = directory.address(send.channel) if directory else None
    client = ctx.channels.get(send.channel)
    try:
        if client is None or address is None:
            raise DeliveryUncertain(f"cannot ask {entry.provider}: channel or address gone")
        found = await client.reconcile(entry.provider, address, key=entry.key)
    except DeliveryUncertain as e:
        await settle_uncertain(ctx, send, f"found pending after a restart; {e}")
        return True
    if found is None:
        await ctx.store.release(entry.key)
        return False
    await register_delivered(ctx, send, provider=entry.provider, provider_message_id=found)
    return True
