"""The deferral dispatcher: sends the gate put off go out when they are allowed.

Deferrals are rows in the notifier's database, written in the gate's transaction before the
request's offset is committed, so a deferred send survives any crash. Each poll leases the due
rows to this worker and runs them through the same path as a new request: the gate decides
again, at the new dispatch time, and the ledger still guarantees one send per (request, channel).
"""

from __future__ import annotations

import logging

from services.notifier.handlers.context import DeliveryExhausted, SendContext
from services.notifier.handlers.sending import send_on_channel
from shared.errors import RetryableError
from shared.events import ContactRequested

log = logging.getLogger(__name__)


async def dispatch_due(ctx: SendContext, *, limit: int = 100) -> int:
    """Run every deferral that is due now; returns how many were taken."""
    ctx.observer.backlog(await ctx.store.deferred_count())
    due = await ctx.store.due_deferrals(ctx.clock(), limit)
    for deferral in due:
        request = ContactRequested.model_validate_json(deferral.request)
        try:
            await send_on_channel(request, deferral.channel, ctx)
        except RetryableError:
            continue  # the lease runs out and a later poll takes it again
        except DeliveryExhausted:
            log.warning("deferred send exhausted its retries", extra={"channel": deferral.channel})
        await ctx.store.finish_deferral(deferral)
    return len(due)
