"""One contract for receipts that came before their sends were settled: memory, SQLite,
PostgreSQL. Kept once, matched once a settled send of the same provider carries one of their
ids, forgotten (and remembered as seen) once taken; a list of sends found in one look-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.notifier.adapters.sql.store import SqlNotifierStore
from services.notifier.domain.inbound import EarlyReceipt, Receipt
from services.notifier.domain.model import SendStatus
from services.notifier.ports import NotifierStore
from shared.database import create_engine
from tests.contract.test_notifier_store import ALLOW, NOW, store, ticket

__all__ = ["store"]  # the parametrised store fixture (memory, sqlite, postgres)


def early(biz: str, out: str = "", *, provider: str = "aliyun", at_s: int = 0) -> EarlyReceipt:
    receipt = Receipt(ids=(biz, out), status="delivered: DELIVERED", dedupe=f"{biz}:t")
    return EarlyReceipt(provider, receipt, NOW + timedelta(seconds=at_s))


async def test_early_receipts_are_kept_once_and_matched_when_their_send_is_settled(
    store: NotifierStore,
) -> None:
    await store.decide(ticket("e1|sms"), lambda _: ALLOW)
    await store.decide(ticket("e2|sms"), lambda _: ALLOW)
    first, second = early("biz-1", "out-1", at_s=1), early("biz-2", at_s=2)
    await store.keep_early([first, second, first])
    await store.keep_early([first])  # a repeat of a kept receipt: still one
    assert await store.early_count() == 2
    assert await store.early_matched(10) == []  # neither send is known by the provider's id
    await store.settle("e2|sms", SendStatus.SENT, "biz-2", "aliyun")
    await store.settle("e1|sms", SendStatus.SENT, "biz-1", "aliyun")
    matched = await store.early_matched(10)
    assert [(e.key, s.key, s.debtor_id, s.loan_id) for e, s in matched] == [
        ("aliyun:receipt:biz-1:t", "e1|sms", "d1", "loan-1"),
        ("aliyun:receipt:biz-2:t", "e2|sms", "d1", "loan-1"),
    ]  # oldest first
    kept, _ = matched[0]
    assert (kept.provider, kept.receipt.ids, kept.receipt.status) == (
        "aliyun",
        ("biz-1", "out-1"),
        "delivered: DELIVERED",
    )
    assert [e.key for e, _ in await store.early_matched(1)] == ["aliyun:receipt:biz-1:t"]
    await store.forget_early([first.key], NOW)
    assert [e.key for e, _ in await store.early_matched(10)] == [second.key]
    assert not await store.first_time(first.key, NOW)  # taken: remembered as seen
    assert await store.early_count() == 1


async def test_an_early_receipt_matches_only_its_own_provider_s_send(store: NotifierStore) -> None:
    await store.decide(ticket("e3|sms"), lambda _: ALLOW)
    await store.settle("e3|sms", SendStatus.SENT, "same-id", "tencent")
    await store.keep_early([early("same-id")])  # an Aliyun receipt naming a Tencent send's id
    assert await store.early_matched(10) == []


async def test_sends_of_a_list_of_ids_are_found_at_once(store: NotifierStore) -> None:
    for n in (4, 5):
        await store.decide(ticket(f"e{n}|sms"), lambda _: ALLOW)
        await store.settle(f"e{n}|sms", SendStatus.SENT, f"biz-{n}", "aliyun")
    found = await store.find_sends(["biz-4", "nothing", "biz-5", ""])
    assert {i: s.key for i, s in found.items()} == {"biz-4": "e4|sms", "biz-5": "e5|sms"}
    assert await store.find_sends([]) == {}


async def test_a_kept_receipt_outlives_a_restart_between_it_and_the_settle(
    tmp_path: Path,
) -> None:
    """The notifier stops after answering the receipt 2xx and before settling its send: the
    receipt is in the database, and matched once the restarted notifier settles the send."""
    url = f"sqlite+aiosqlite:///{tmp_path}/notifier.db"
    before = create_engine(url)
    store = SqlNotifierStore(before)
    await store.migrate()
    await store.decide(ticket("e6|sms"), lambda _: ALLOW)
    await store.keep_early([early("biz-6")])
    await before.dispose()
    after = create_engine(url)
    restarted = SqlNotifierStore(after)
    await restarted.migrate()
    await restarted.settle("e6|sms", SendStatus.SENT, "biz-6", "aliyun")  # as recovered
    [(kept, sent)] = await restarted.early_matched(10)
    assert (kept.key, sent.key) == ("aliyun:receipt:biz-6:t", "e6|sms")
    await after.dispose()


async def test_the_oldest_kept_receipt_and_those_no_send_names_past_a_time(
    store: NotifierStore,
) -> None:
    assert await store.early_oldest() is None
    assert await store.early_expired(NOW + timedelta(days=1), 10) == []
    await store.decide(ticket("e7|sms"), lambda _: ALLOW)
    await store.settle("e7|sms", SendStatus.SENT, "biz-7", "aliyun")
    named, lone, other, young = (
        early("biz-7", at_s=5),  # its send is settled: taken, never expired
        early("biz-8", "out-8", at_s=10),
        early("biz-7", provider="tencent", at_s=20),  # the id of another provider's send
        early("biz-9", at_s=3600),
    )
    await store.keep_early([young, other, lone, named])
    assert await store.early_oldest() == NOW + timedelta(seconds=5)
    before = NOW + timedelta(seconds=60)
    expired = await store.early_expired(before, 10)
    assert [(e.key, e.provider, tuple(filter(None, e.receipt.ids))) for e in expired] == [
        ("aliyun:receipt:biz-8:t", "aliyun", ("biz-8", "out-8")),
        ("tencent:receipt:biz-7:t", "tencent", ("biz-7",)),
    ]  # oldest first
    assert expired[0].at == NOW + timedelta(seconds=10)
    assert [e.key for e in await store.early_expired(before, 1)] == [lone.key]
    await store.forget_early([e.key for e in expired], NOW)
    assert await store.early_expired(before, 10) == []
    assert await store.early_count() == 2
    assert await store.early_oldest() == NOW + timedelta(seconds=5)
