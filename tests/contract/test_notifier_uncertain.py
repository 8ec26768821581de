"""One contract for the uncertain sends kept for reconciliation: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.domain.uncertain import RECONCILE_LEASE, UncertainSend, UncertainSummary
from services.notifier.ports import NotifierStore
from tests.contract.test_notifier_store import store

__all__ = ["store"]  # the parametrised store fixture (memory, sqlite, postgres)

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


def kept(key: str, *, since: datetime = NOW, due: datetime = NOW) -> UncertainSend:
    return UncertainSend(
        key=key,
        debtor_id="d1",
        channel="sms",
        provider="tencent",
        request=b'{"event_id": "r1"}',
        since=since,
        next_check_at=due,
    )


class TestUncertainSends:
    async def test_kept_once_and_due_oldest_check_first(self, store: NotifierStore) -> None:
        await store.keep_uncertain(kept("b|sms", due=NOW))
        await store.keep_uncertain(kept("a|sms", due=NOW - timedelta(seconds=5)))
        await store.keep_uncertain(kept("c|sms", due=NOW + timedelta(minutes=5)))
        await store.keep_uncertain(kept("a|sms", due=NOW + timedelta(days=1)))  # a repeat
        due = await store.due_uncertain(NOW, 10)
        assert [s.key for s in due] == ["a|sms", "b|sms"]
        assert due[1] == kept("b|sms")

    async def test_a_taken_send_is_leased_then_due_again(self, store: NotifierStore) -> None:
        await store.keep_uncertain(kept("a|sms"))
        assert len(await store.due_uncertain(NOW, 10)) == 1
        assert await store.due_uncertain(NOW + timedelta(seconds=1), 10) == []
        later = NOW + RECONCILE_LEASE
        assert [s.key for s in await store.due_uncertain(later, 10)] == ["a|sms"]

    async def test_the_batch_is_bounded(self, store: NotifierStore) -> None:
        for n in range(5):
            await store.keep_uncertain(kept(f"k{n}|sms", due=NOW - timedelta(seconds=n)))
        assert [s.key for s in await store.due_uncertain(NOW, 2)] == ["k4|sms", "k3|sms"]

    async def test_rechecked_later_with_its_count(self, store: NotifierStore) -> None:
        await store.keep_uncertain(kept("a|sms"))
        await store.recheck_uncertain("a|sms", checks=3, at=NOW + timedelta(minutes=2))
        assert await store.due_uncertain(NOW + timedelta(minutes=1), 10) == []
        [again] = await store.due_uncertain(NOW + timedelta(minutes=2), 10)
        assert (again.checks, again.next_check_at) == (3, NOW + timedelta(minutes=2))

    async def test_forgotten_once_settled_and_summarised(self, store: NotifierStore) -> None:
        assert await store.uncertain_summary() == UncertainSummary(0, None)
        await store.keep_uncertain(kept("a|sms", since=NOW - timedelta(hours=2)))
        await store.keep_uncertain(kept("b|sms"))
        assert await store.uncertain_summary() == UncertainSummary(2, NOW - timedelta(hours=2))
        await store.forget_uncertain("a|sms")
        await store.forget_uncertain("unknown|sms")
        assert await store.uncertain_summary() == UncertainSummary(1, NOW)
        assert [s.key for s in await store.due_uncertain(NOW, 10)] == ["b|sms"]
