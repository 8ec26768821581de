"""The receipt and reply use case, whoever the provider: each taken once, in order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.domain.inbound import Receipt, Reply
from services.notifier.domain.model import DirectoryEntry, GateTicket, SendStatus
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.handlers.callbacks import (
    REPLY_TEXT_MAX,
    CallbackContext,
    kept_words,
    take_callback,
)
from shared.events import BorrowerReplied, InteractionRecorded
from shared.testing.memory import InMemoryEventPublisher

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


async def context() -> CallbackContext:
    store = InMemoryNotifierStore()
    ticket = GateTicket("req-1|sms", "d1", "loan-1", "sms", "cp", NOW, b"")
    await store.decide(ticket, lambda _: Decision(outcome=Outcome.ALLOW))
    await store.settle("req-1|sms", SendStatus.SENT, "SM1", "twilio")
    await store.upsert(DirectoryEntry("d1", mobile="+8613800000001"), as_of=NOW)
    return CallbackContext(
        store=store,
        publisher=InMemoryEventPublisher(),
        interactions_topic="interactions",
        replies_topic="replies",
        packs=[load_pack("cn")],
        clock=lambda: NOW,
    )


def published(ctx: CallbackContext, topic: str) -> list[object]:
    assert isinstance(ctx.publisher, InMemoryEventPublisher)
    return list(ctx.publisher.events(topic))


async def test_receipts_are_taken_once_and_an_early_one_kept_until_its_send_is_known() -> None:
    ctx = await context()
    delivered = Receipt(ids=("SM1",), status="delivered", dedupe="SM1:delivered")
    unknown = Receipt(ids=("SM9", ""), status="delivered", dedupe="SM9:delivered")
    assert await take_callback(ctx, "twilio", [delivered, unknown, delivered]) == 0
    [receipt] = published(ctx, "interactions")
    assert isinstance(receipt, InteractionRecorded)
    assert (receipt.request_id, receipt.provider_message_id) == ("req-1", "SM1")
    assert await ctx.store.early_count() == 1  # kept, not refused for a retry
    assert ctx.wake.is_set()


async def test_an_opt_out_stops_the_channel_and_an_unknown_number_changes_nothing() -> None:
    ctx = await context()
    items = [
        Reply("sms", "+8613900000009", "TD", "r0"),
        Reply("sms", "+8613800000001", "退订", "r1"),
    ]
    assert await take_callback(ctx, "aliyun", items) == 0
    assert isinstance(ctx.store, InMemoryNotifierStore)
    assert ctx.store.opt_outs["d1"] == {"sms"}
    [reply] = published(ctx, "replies")
    assert isinstance(reply, BorrowerReplied)
    assert (reply.debtor_id, reply.loan_id, reply.intent) == ("d1", "loan-1", "opt_out")
    kinds = [e.kind for e in published(ctx, "interactions") if isinstance(e, InteractionRecorded)]
    assert kinds == ["reply_received"]


async def test_a_promise_reply_carries_its_terms_read_in_the_debtors_zone() -> None:
    ctx = await context()  # 12:00 on Wednesday 2026-03-04 in Shanghai
    await take_callback(ctx, "aliyun", [Reply("sms", "+8613800000001", "我下周五还5000元", "r2")])
    [reply] = published(ctx, "replies")
    assert isinstance(reply, BorrowerReplied)
    assert (reply.intent, reply.promised_amount, reply.promised_by) == (
        "promise_to_pay",
        Decimal(5000),
        date(2026, 3, 13),
    )
    [interaction] = published(ctx, "interactions")
    assert isinstance(interaction, InteractionRecorded)
    assert (
        interaction.reason
        == "intent: promise_to_pay; promise_amount: 5000; promise_date: 2026-03-13; "
        "read by: promise_to_pay.when"
    )


async def test_please_stop_calling_is_a_voice_opt_out() -> None:
    ctx = await context()
    await take_callback(ctx, "aliyun", [Reply("sms", "+8613800000001", "请不要再打电话", "r3")])
    assert isinstance(ctx.store, InMemoryNotifierStore)
    assert ctx.store.opt_outs["d1"] == {"voice"}
    [reply] = published(ctx, "replies")
    assert isinstance(reply, BorrowerReplied)
    assert reply.intent == "stop_calling"


async def test_a_reply_with_no_known_loan_is_kept_and_said_so() -> None:
    ctx = await context()
    await ctx.store.upsert(DirectoryEntry("d2", mobile="+8613800000002"), as_of=NOW)
    await take_callback(ctx, "aliyun", [Reply("sms", "+8613800000002", "我要投诉", "r4")])
    [reply] = published(ctx, "replies")
    assert isinstance(reply, BorrowerReplied)
    assert (reply.debtor_id, reply.loan_id, reply.intent) == ("d2", None, "complaint")
    [interaction] = published(ctx, "interactions")
    assert isinstance(interaction, InteractionRecorded)
    assert interaction.reason == "intent: complaint; read by: complaint.report; no known loan"


async def test_a_reply_carries_the_borrowers_words_for_the_evidence_log_alone() -> None:
    ctx = await context()
    words = "  这个月工资还没发，能不能月底再说  "
    await take_callback(ctx, "aliyun", [Reply("sms", "+8613800000001", words, "r5")])
    [reply] = published(ctx, "replies")
    assert isinstance(reply, BorrowerReplied)
    assert reply.text == words.strip()
    [interaction] = published(ctx, "interactions")  # the desk's contact log: never the words
    assert isinstance(interaction, InteractionRecorded)
    assert "工资" not in interaction.model_dump_json()


def test_a_long_reply_is_kept_to_its_first_part_and_marked_as_cut() -> None:
    kept = kept_words("请核对" * 1000)
    assert kept is not None
    assert len(kept) == REPLY_TEXT_MAX
    assert kept.endswith("…")
    assert kept_words("   ") is None
