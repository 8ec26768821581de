"""One-click unsubscribe: the headers every email carries, and the opt-out a click makes.

A click is the same opt-out as the borrower's reply "退订": kept in the gate's store (the next
email is blocked), sent to the scheduler as an ``opt_out`` reply and recorded as evidence once,
however often the link is posted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Final

from services.notifier.domain.email_unsubscribe import Unsubscribe, UnsubscribeLinks
from services.notifier.domain.inbound import Reply
from services.notifier.domain.replies import Understood
from services.notifier.domain.templates import Rendered
from services.notifier.handlers.callbacks import CallbackContext, publish_reply
from services.notifier.metrics import CALLBACKS_RECEIVED
from shared.events import Channel

#: The provider name a one-click opt-out is recorded under (metrics, evidence).
PROVIDER: Final = "list_unsubscribe"


def with_list_headers(
    links: UnsubscribeLinks | None,
    debtor_id: str,
    channel: Channel,
    message: Rendered,
    now: datetime,
) -> Rendered:
    """An email with its one-click unsubscribe headers; other channels as they are."""
    if links is None or channel != "email":
        return message
    return replace(message, headers=links.headers(debtor_id, message.locale, now))


async def take_unsubscribe(ctx: CallbackContext, ask: Unsubscribe) -> bool:
    """Opt the debtor out of the link's channel; False when this link was taken before.

    The effects come first and are idempotent (the opt-out is a state, the events' ids derive
    from the link), so a failure half way is made whole by the borrower's or client's retry.
    """
    now = ctx.clock()
    await ctx.store.record_opt_out(ask.debtor_id, ask.channel, now)
    reply = Reply(channel=ask.channel, address="", text="", dedupe=ask.dedupe)
    await publish_reply(
        ctx, PROVIDER, reply, ask.debtor_id, Understood("opt_out", by="one-click unsubscribe"), now
    )
    first = await ctx.store.first_time(f"{PROVIDER}:{ask.dedupe}", now)
    CALLBACKS_RECEIVED.labels(PROVIDER, "accepted" if first else "duplicate").inc()
    return first
