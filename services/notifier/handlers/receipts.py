"""Delivery receipts, whoever the provider: a list of them taken in few commits, each once.

A receipt names its send by the provider's id, which the ledger learns from the provider's
answer to the send; providers push a receipt as soon as the carrier reports, so it often comes
before that answer is settled. Such a receipt is kept (the list's early ones in one commit,
durable before the provider is answered 2xx) and taken once a settled send carries one of its
ids: after each batch's settle, and every few seconds for a send settled any other way (one by
one, recovered after a crash, reconciled). It is never refused for a retry, never lost, and
taken once (its interaction's id is derived from the receipt: a repeat changes nothing).
A receipt that names its recipient instead (WeChat) is matched by it (:mod:`.receipt_match`):
it waits briefly for the batch under way, and is refused for now if its send is still unknown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta

from services.notifier.domain.inbound import EarlyReceipt, Receipt, receipt_key
from services.notifier.domain.model import SentMessage
from services.notifier.handlers.callback_context import CallbackContext
from services.notifier.handlers.early_expiry import EXPIRY_PASS, expire_early
from services.notifier.handlers.receipt_match import match_by_recipient
from services.notifier.metrics import (
    CALLBACKS_RECEIVED,
    EARLY_OLDEST_AGE,
    EARLY_RECEIPTS,
    labelled,
)
from shared.errors import RetryableError
from shared.events import InteractionRecorded, derived_event_id

log = logging.getLogger(__name__)
#: Early receipts taken per pass (the pass goes on while a full one is found).
EARLY_PASS = 500


class ReceiptTooEarly(Exception):
    """A receipt naming its recipient whose send cannot be told yet (asked for again)."""


async def first_time(ctx: CallbackContext, callback_key: str) -> bool:
    """Remember a callback (group-committed when the context says so); False when seen."""
    if ctx.first_times is None:
        return await ctx.store.first_time(callback_key, ctx.clock())
    return await ctx.first_times.submit((callback_key, ctx.clock()))


async def take_receipts(ctx: CallbackContext, provider: str, receipts: Sequence[Receipt]) -> int:
    """Each delivery report becomes an interaction on the send it belongs to, or is kept until
    the ledger knows that send; how many must be asked for again (see the module)."""
    found = await ctx.store.find_sends([i for r in receipts for i in r.ids if i])
    taken: list[tuple[Receipt, SentMessage]] = []
    early: list[EarlyReceipt] = []
    refused = 0
    for receipt in receipts:
        sent = next((found[i] for i in receipt.ids if i in found), None)
        if sent is None and receipt.recipient is not None:
            try:
                sent = await _by_recipient(ctx, provider, receipt)
            except ReceiptTooEarly:
                refused += 1
                continue
        if sent is None:
            early.append(EarlyReceipt(provider, receipt, ctx.clock()))
        else:
            taken.append((receipt, sent))
    if early:
        await ctx.store.keep_early(early)
        labelled(CALLBACKS_RECEIVED, provider, "early").inc(len(early))
        ctx.wake.set()  # its send may have been settled since the look-up
    firsts = await asyncio.gather(*(first_time(ctx, receipt_key(provider, r)) for r, _ in taken))
    labelled(CALLBACKS_RECEIVED, provider, "duplicate").inc(firsts.count(False))
    await asyncio.gather(
        *(
            publish_receipt(ctx, provider, r, s)
            for (r, s), new in zip(taken, firsts, strict=True)
            if new
        )
    )
    return refused


async def _by_recipient(ctx: CallbackContext, provider: str, receipt: Receipt) -> SentMessage:
    sent = await match_by_recipient(ctx, provider, receipt)
    if sent is None and ctx.settles is not None and await ctx.settles.next(ctx.settle_wait_s):
        ids = [i for i in receipt.ids if i]  # its batch has settled meanwhile
        sent = await ctx.store.find_send(ids) or await match_by_recipient(ctx, provider, receipt)
    if sent is None:
        labelled(CALLBACKS_RECEIVED, provider, "unknown").inc()
        raise ReceiptTooEarly(provider)
    return sent


async def publish_receipt(
    ctx: CallbackContext, provider: str, receipt: Receipt, sent: SentMessage
) -> None:
    """The receipt's interaction (its id derived from the receipt: a repeat is the same)."""
    labelled(CALLBACKS_RECEIVED, provider, "accepted").inc()
    await ctx.publisher.publish(
        ctx.interactions_topic,
        InteractionRecorded(
            event_id=derived_event_id(provider, "receipt", receipt.dedupe),
            occurred_at=ctx.clock(),
            debtor_id=sent.debtor_id,
            loan_id=sent.loan_id,
            request_id=sent.key.rpartition("|")[0],
            channel=sent.channel,
            kind="delivery_reported",
            provider=provider,
            provider_message_id=receipt.ids[0][:256],
            reason=receipt.status[:500],
        ),
    )


async def take_early(ctx: CallbackContext, limit: int = EARLY_PASS) -> int:
    """Kept receipts whose sends the ledger now knows, taken: their interactions published,
    then (one commit) remembered as seen and no longer kept. How many."""
    matched = await ctx.store.early_matched(limit)
    if matched:
        await asyncio.gather(*(publish_receipt(ctx, e.provider, e.receipt, s) for e, s in matched))
        await ctx.store.forget_early([e.key for e, _ in matched], ctx.clock())
    return len(matched)


async def take_early_until(
    ctx: CallbackContext, stop: asyncio.Event, poll_s: float, expiry: timedelta | None = None
) -> None:
    """Until ``stop``: kept receipts taken whenever a settle wakes the context, and every
    ``poll_s`` seconds; those kept longer than ``expiry`` that no send names handed to the
    evidence log (:mod:`.early_expiry`); the gauges of those still kept set after each pass."""
    while not stop.is_set():
        ctx.wake.clear()
        try:
            while await take_early(ctx) == EARLY_PASS:
                pass
            while expiry is not None and await expire_early(ctx, expiry) == EXPIRY_PASS:
                pass
            await _gauges(ctx)
        except RetryableError as e:
            log.warning("early receipts deferred", extra={"error": str(e)})
        await _woken(ctx.wake, stop, poll_s)


async def _gauges(ctx: CallbackContext) -> None:
    EARLY_RECEIPTS.set(await ctx.store.early_count())
    oldest = await ctx.store.early_oldest()
    age = 0.0 if oldest is None else (ctx.clock() - oldest).total_seconds()
    EARLY_OLDEST_AGE.set(max(0.0, age))


async def _woken(wake: asyncio.Event, stop: asyncio.Event, timeout_s: float) -> None:
    waits = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
    _, pending = await asyncio.wait(waits, timeout=timeout_s, return_when="FIRST_COMPLETED")
    for task in pending:
        task.cancel()
