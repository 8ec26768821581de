"""Receipts that came before their sends were settled: kept, answered, and taken once the
ledger knows the send (woken by a batch's settle, or by the poll)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from services.notifier.domain.inbound import Receipt
from services.notifier.domain.model import GateTicket, SendStatus
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.handlers.callbacks import take_callback
from services.notifier.handlers.grouping import Grouped
from services.notifier.handlers.receipts import take_early, take_early_until
from shared.events import InteractionRecorded
from tests.unit.notifier.handlers.test_callbacks import NOW, context, published


async def test_a_receipt_that_overtook_its_send_is_taken_once_its_batch_settles() -> None:
    ctx = await context()
    ctx = replace(ctx, first_times=Grouped(ctx.store.first_times))
    ticket = GateTicket("req-2|sms", "d1", "loan-1", "sms", "cp", NOW, b"")
    await ctx.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
    early = Receipt(ids=("SM2",), status="delivered", dedupe="SM2:delivered")
    stop = asyncio.Event()
    taking = asyncio.create_task(take_early_until(ctx, stop, poll_s=60))
    assert await asyncio.wait_for(take_callback(ctx, "twilio", [early]), 1) == 0  # answered
    await asyncio.sleep(0.05)
    assert published(ctx, "interactions") == []  # its send is not known yet
    await ctx.store.settle("req-2|sms", SendStatus.SENT, "SM2", "twilio")
    ctx.wake.set()  # as a batch's settle does
    for _ in range(100):
        if published(ctx, "interactions"):
            break
        await asyncio.sleep(0.01)
    [receipt] = published(ctx, "interactions")
    assert isinstance(receipt, InteractionRecorded)
    assert (receipt.request_id, receipt.kind, receipt.provider_message_id) == (
        "req-2",
        "delivery_reported",
        "SM2",
    )
    assert await ctx.store.early_count() == 0
    # The provider's repeat of it, now that the send is known, changes nothing.
    assert await take_callback(ctx, "twilio", [early]) == 0
    assert len(published(ctx, "interactions")) == 1
    stop.set()
    await asyncio.wait_for(taking, 1)


async def test_kept_receipts_are_looked_at_again_without_a_wake() -> None:
    """A send settled another way (one by one, recovered after a crash, reconciled): its kept
    receipt is taken within the poll."""
    ctx = await context()
    early = Receipt(ids=("SM3",), status="delivered", dedupe="SM3:delivered")
    await take_callback(ctx, "twilio", [early])
    ticket = GateTicket("req-3|sms", "d1", "loan-1", "sms", "cp", NOW, b"")
    await ctx.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
    await ctx.store.settle("req-3|sms", SendStatus.SENT, "SM3", "twilio")
    stop = asyncio.Event()
    taking = asyncio.create_task(take_early_until(ctx, stop, poll_s=0.02))
    await asyncio.sleep(0.2)
    assert [getattr(e, "request_id", None) for e in published(ctx, "interactions")] == ["req-3"]
    stop.set()
    await asyncio.wait_for(taking, 1)


async def test_a_full_pass_of_kept_receipts_is_followed_by_another() -> None:
    ctx = await context()
    receipts = [Receipt(ids=(f"S{n}",), status="delivered", dedupe=f"S{n}") for n in range(5)]
    await take_callback(ctx, "twilio", receipts)
    for n in range(5):
        ticket = GateTicket(f"r{n}|sms", "d1", "loan-1", "sms", "cp", NOW, b"")
        await ctx.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
        await ctx.store.settle(f"r{n}|sms", SendStatus.SENT, f"S{n}", "twilio")
    assert await take_early(ctx, limit=2) == 2
    assert await take_early(ctx, limit=2) == 2
    assert await take_early(ctx, limit=2) == 1
    assert len(published(ctx, "interactions")) == 5
