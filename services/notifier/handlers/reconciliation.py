"""The reconciler: each uncertain send's provider is asked again, on a timer with backoff,
whether it has the message, until it is settled as sent or not sent. Never a blind resend.

Each run takes a bounded batch of the sends due (leased, so two instances do not ask twice),
and reports how many are uncertain and how old the oldest is: the alert on that age asks a
person to decide what no provider answered (SMTP, for one, can never be asked).
"""

from __future__ import annotations

import logging

from services.notifier.domain.interactions import not_sent, replayed
from services.notifier.domain.model import DeliveryUncertain, SendStatus
from services.notifier.domain.sends import Send
from services.notifier.domain.uncertain import UncertainSend
from services.notifier.handlers.codes import register_delivered, register_not_sent
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.outcomes import publish
from shared.errors import RetryableError
from shared.events import ContactRequested

log = logging.getLogger(__name__)


async def reconcile_due(ctx: SendContext, *, limit: int = 50) -> int:
    """Ask about every uncertain send due now (at most ``limit``); returns how many settled."""
    due = await ctx.store.due_uncertain(ctx.clock(), limit)
    settled = 0
    for item in due:
        try:
            settled += await _reconcile(ctx, item)
        except RetryableError:
            continue  # the lease runs out and a later run asks again
    summary = await ctx.store.uncertain_summary()
    ctx.observer.uncertain(summary.count, summary.oldest_age_s(ctx.clock()))
    return settled


async def _reconcile(ctx: SendContext, item: UncertainSend) -> bool:
    """One uncertain send: settled (True), or asked again later (False)."""
    request = ContactRequested.model_validate_json(item.request)
    send = Send.of(request, item.channel, ctx.verification_secret)
    entry = await ctx.store.entry(item.key)
    if entry is None or entry.status is not SendStatus.UNCERTAIN:
        # Settled meanwhile (a provider's push, a crash after the settle): its code registered
        # as what it became (the same event ids: recorded once), and forgotten.
        if entry is not None and entry.status is SendStatus.SENT:
            await publish(
                ctx, replayed(send, ctx.clock(), entry.provider, entry.provider_message_id)
            )
        elif entry is not None and entry.status is SendStatus.FAILED:
            await publish(ctx, not_sent(send, ctx.clock(), "settled as not delivered"))
        await ctx.store.forget_uncertain(item.key)
        return True
    try:
        found = await _ask(ctx, item)
    except DeliveryUncertain as e:
        at = ctx.reconcile_backoff.after(item.checks + 1, ctx.clock())
        await ctx.store.recheck_uncertain(item.key, checks=item.checks + 1, at=at)
        log.info("uncertain send still unanswered: %s", e, extra={"channel": item.channel})
        return False
    if found is None:
        reason = f"{item.provider} was asked and does not have it: it was never sent"
        await register_not_sent(ctx, send, reason)
    else:
        await register_delivered(ctx, send, provider=item.provider, provider_message_id=found)
    return True


async def _ask(ctx: SendContext, item: UncertainSend) -> str | None:
    """The provider's id for the message, None if it certainly has none; raises
    :class:`DeliveryUncertain` when it cannot say (or there is no one to ask)."""
    if item.provider is None:
        raise DeliveryUncertain("no provider was noted: a person must decide")
    client = ctx.channels.get(item.channel)
    directory = await ctx.store.get(item.debtor_id)
    address = directory.address(item.channel) if directory else None
    if client is None or address is None:
        raise DeliveryUncertain(f"cannot ask {item.provider}: channel or address gone")
    return await client.reconcile(item.provider, address, key=item.key)
