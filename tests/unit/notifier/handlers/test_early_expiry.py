"""Kept receipts no settled send takes: dead-lettered with their reason after the expiry,
counted, then forgotten; a repeat of the hand-off is the same dead letter."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

from prometheus_client import REGISTRY

from services.notifier.domain.inbound import Receipt
from services.notifier.domain.model import GateTicket, SendStatus
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.handlers.callbacks import take_callback
from services.notifier.handlers.early_expiry import expire_early, unmatched_letter
from services.notifier.handlers.receipts import take_early_until
from shared import deadletter
from shared.events import KafkaRecord
from shared.testing.memory import InMemoryEventPublisher
from tests.unit.notifier.handlers.test_callbacks import NOW, context

DAY = timedelta(hours=24)


def _expired_count(provider: str) -> float:
    value = REGISTRY.get_sample_value(
        "notifier_early_receipts_expired_total", {"provider": provider}
    )
    return value or 0.0


def _letters(publisher: object) -> list[KafkaRecord]:
    assert isinstance(publisher, InMemoryEventPublisher)
    return list(publisher.records.get("interactions.dlq", []))


async def test_a_receipt_no_send_takes_is_dead_lettered_after_the_expiry_then_forgotten() -> None:
    ctx = await context()
    lone = Receipt(ids=("SM8", "out-8"), status="delivered", dedupe="SM8:delivered")
    await take_callback(ctx, "twilio", [lone])  # kept at NOW: no send carries SM8
    before = _expired_count("twilio")
    assert (
        await expire_early(replace(ctx, clock=lambda: NOW + DAY - timedelta(seconds=1)), DAY) == 0
    )
    assert _letters(ctx.publisher) == []
    assert (
        await expire_early(replace(ctx, clock=lambda: NOW + DAY + timedelta(seconds=1)), DAY) == 1
    )
    [letter] = _letters(ctx.publisher)
    assert letter.key == b"twilio:receipt:SM8:delivered"
    assert json.loads(letter.value) == {
        "provider": "twilio",
        "ids": ["SM8", "out-8"],
        "status": "delivered",
        "dedupe": "SM8:delivered",
        "failed": False,
        "kept_at": NOW.isoformat(),
    }
    headers = letter.headers
    assert deadletter.header(headers, deadletter.REASON_CODE) == "receipt_unmatched"
    assert deadletter.header(headers, deadletter.SOURCE_TOPIC) == "notifier.early-receipts"
    assert deadletter.header(headers, deadletter.SERVICE) == "notifier"
    assert "24 h" in (deadletter.header(headers, deadletter.REASON) or "")
    assert _expired_count("twilio") == before + 1
    assert await ctx.store.early_count() == 0
    assert not await ctx.store.first_time("twilio:receipt:SM8:delivered", NOW)  # seen
    # A repeat of it from the provider is kept again (its send may yet be settled), and if
    # it expires again it is the same dead letter (the same entry in the evidence log).
    assert await take_callback(ctx, "twilio", [lone]) == 0
    assert await ctx.store.early_count() == 1


async def test_a_repeat_of_the_hand_off_is_the_same_letter_and_receipts_differ() -> None:
    ctx = await context()
    first = Receipt(ids=("SM8",), status="delivered", dedupe="SM8:delivered")
    second = Receipt(ids=("SM9",), status="delivered", dedupe="SM9:delivered")
    await take_callback(ctx, "twilio", [first, second])
    [a, b] = await ctx.store.early_expired(NOW + timedelta(seconds=1), 10)
    offset = deadletter.SOURCE_OFFSET
    once, again = unmatched_letter(a, DAY), unmatched_letter(a, DAY)
    assert (once.key, once.value) == (again.key, again.value)
    assert deadletter.header(once.headers, offset) == deadletter.header(again.headers, offset)
    other = unmatched_letter(b, DAY)
    assert deadletter.header(once.headers, offset) != deadletter.header(other.headers, offset)


async def test_a_kept_receipt_whose_send_is_settled_is_taken_not_expired() -> None:
    ctx = await context()
    late = replace(ctx, clock=lambda: NOW + 2 * DAY)
    early = Receipt(ids=("SM7",), status="delivered", dedupe="SM7:delivered")
    await take_callback(ctx, "twilio", [early])
    ticket = GateTicket("req-7|sms", "d1", "loan-1", "sms", "cp", NOW, b"")
    await ctx.store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
    await ctx.store.settle("req-7|sms", SendStatus.SENT, "SM7", "twilio")
    stop = asyncio.Event()
    taking = asyncio.create_task(take_early_until(late, stop, poll_s=60, expiry=DAY))
    for _ in range(100):
        if await ctx.store.early_count() == 0:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(taking, 1)
    assert _letters(ctx.publisher) == []
    assert isinstance(ctx.publisher, InMemoryEventPublisher)
    kinds = [getattr(e, "kind", None) for e in ctx.publisher.events("interactions")]
    assert kinds == ["delivery_reported"]


async def test_the_oldest_kept_receipt_s_age_is_a_gauge() -> None:
    ctx = await context()
    await take_callback(ctx, "twilio", [Receipt(ids=("SM6",), status="ok", dedupe="SM6:ok")])
    stop = asyncio.Event()
    later = replace(ctx, clock=lambda: NOW + timedelta(minutes=90))
    taking = asyncio.create_task(take_early_until(later, stop, poll_s=60, expiry=DAY))
    gauge = "notifier_early_receipt_oldest_age_seconds"
    for _ in range(100):
        if REGISTRY.get_sample_value(gauge) == 5400.0:
            break
        await asyncio.sleep(0.01)
    assert REGISTRY.get_sample_value(gauge) == 5400.0
    assert REGISTRY.get_sample_value("notifier_early_receipts") == 1.0
    stop.set()
    await asyncio.wait_for(taking, 1)
