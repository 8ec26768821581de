"""Handing an allowed send to its channel, and settling what the provider answered."""

from __future__ import annotations

from services.notifier.domain.interactions import sent
from services.notifier.domain.model import (
    AlreadyDecided,
    DeliveryUncertain,
    GateTicket,
    SendLater,
    SendStatus,
)
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.sends import Delivery
from services.notifier.handlers.context import DeliveryExhausted, SendContext
from services.notifier.handlers.outcomes import (
    publish,
    record_gated,
    record_stopped,
    settle_uncertain,
)
from services.notifier.ports import ChannelClient
from shared.errors import PermanentError, RetryableError
from shared.events import derived_event_id


async def deliver(
    ctx: SendContext, send: Delivery, client: ChannelClient, decision: Decision
) -> None:
    """Send it: SENT, FAILED (refused for good), UNCERTAIN (maybe sent), or, after every retry
    and failover failed transiently, released and :class:`DeliveryExhausted`."""
    message_id = str(derived_event_id(send.key))

    async def attempting(provider: str) -> None:
        await ctx.store.mark_attempt(send.key, provider)

    try:
        with ctx.observer.provider_time(send.channel):
            provider, provider_id = await client.send(
                send.address,
                send.message,
                key=send.key,
                message_id=message_id,
                attempting=attempting,
            )
    except RetryableError as e:
        await ctx.store.release(send.key)
        await record_stopped(ctx, send, "send_failed", "exhausted", f"gave up: {e}")
        raise DeliveryExhausted(str(e)) from e
    except DeliveryUncertain as e:
        await settle_uncertain(ctx, send, str(e))
        return
    except PermanentError as e:
        await ctx.store.settle(send.key, SendStatus.FAILED)
        await record_stopped(ctx, send, "send_failed", "failed", str(e))
        return
    await ctx.store.settle(send.key, SendStatus.SENT, provider_id, provider)
    ctx.observer.counted(send.channel, "sent")
    await publish(ctx, sent(send, decision, ctx.clock(), provider, provider_id))


async def send_later(
    ctx: SendContext, send: Delivery, ticket: GateTicket, decision: Decision, quota: SendLater
) -> None:
    """The provider's quota is spent: give the slot back and keep the send for later."""
    await ctx.store.release(ticket.key)
    later = Decision(
        outcome=Outcome.DEFER,
        until=quota.until,
        rules=["PROVIDER-QUOTA"],
        reasons=[str(quota)],
        packs=decision.packs,
    )
    try:
        await ctx.store.decide(ticket, lambda _: later)
    except AlreadyDecided:
        return  # withdrawn meanwhile: it stays unsent
    await record_gated(ctx, send, later)
