"""The batch send path keeps the semantics of one request: every test of sending, delivery
and recovery run again with each request sent through a :class:`SendBatcher` (requests sent
side by side share a batch), plus what only a batch does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.domain.batch import Claim, Claimed, Settlement, Supersede
from services.notifier.domain.model import SendStatus
from services.notifier.handlers.batcher import SendBatcher
from services.notifier.handlers.context import SendContext
from shared.errors import RetryableError
from shared.events import ContactRequested
from shared.testing.factories import contact_request
from tests.unit.notifier.handlers import test_delivery, test_recovery, test_sending
from tests.unit.notifier.handlers.support import WEDNESDAY_NOON, Fixture
from tests.unit.notifier.handlers.test_delivery import *  # noqa: F403 - collected again
from tests.unit.notifier.handlers.test_recovery import *  # noqa: F403 - collected again
from tests.unit.notifier.handlers.test_sending import *  # noqa: F403 - collected again

_BATCHERS: dict[int, tuple[SendContext, SendBatcher]] = {}


async def batched(request: ContactRequested, ctx: SendContext) -> None:
    """``send_contact_request`` through the context's batcher (one per context)."""
    found = _BATCHERS.get(id(ctx))
    if found is None or found[0] is not ctx:
        found = (ctx, SendBatcher(ctx, concurrency=4))
        _BATCHERS[id(ctx)] = found
    await found[1].send(request)


@pytest.fixture(autouse=True)
def through_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for module in (test_sending, test_delivery, test_recovery):
        if hasattr(module, "send_contact_request"):
            monkeypatch.setattr(module, "send_contact_request", batched)
    yield
    _BATCHERS.clear()


class CountingStore(InMemoryNotifierStore):
    """The memory store, counting the batch transactions it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.claims: list[int] = []
        self.settles: list[int] = []
        self.on_claim: Callable[[], None] = lambda: None
        self.settle_fails = False

    async def claim(self, supersedes: Sequence[Supersede], claims: Sequence[Claim]) -> Claimed:
        self.claims.append(len(claims))
        claimed = await super().claim(supersedes, claims)
        self.on_claim()
        return claimed

    async def settle_many(self, settlements: Sequence[Settlement]) -> None:
        self.settles.append(len(settlements))
        if self.settle_fails:
            raise RetryableError("the database went away")
        await super().settle_many(settlements)


@pytest.fixture
def g() -> Fixture:
    fixture = Fixture()
    fixture.store = CountingStore()
    fixture.ctx = replace(fixture.ctx, store=fixture.store)
    return fixture


def sms(debtor: str) -> ContactRequested:
    return contact_request(debtor_id=debtor, channels=("sms",), occurred_at=WEDNESDAY_NOON)


async def test_requests_sent_side_by_side_share_one_claim_and_one_settle(g: Fixture) -> None:
    requests = [sms(f"debtor-{n}") for n in range(5)]
    for r in requests:
        await g.debtor(r.debtor_id)
    batcher = SendBatcher(g.ctx, concurrency=2)
    await asyncio.gather(*(batcher.send(r) for r in requests))
    store = g.store
    assert isinstance(store, CountingStore)
    assert (store.claims, store.settles) == ([5], [5])
    assert len(g.sms.sent) == 5
    assert g.kinds() == ["message_sent"] * 5
    assert {e.status for e in store.ledger.values()} == {SendStatus.SENT}


async def test_a_debtor_s_second_request_of_a_batch_goes_in_a_round_after_the_first(
    g: Fixture,
) -> None:
    first, second = sms("debtor-1"), sms("debtor-1")
    await g.debtor("debtor-1")
    await g.debtor("debtor-2")
    batcher = SendBatcher(g.ctx, concurrency=2)
    await asyncio.gather(batcher.send(first), batcher.send(second), batcher.send(sms("debtor-2")))
    assert g.store.claims == [2, 1]  # type: ignore[attr-defined]
    assert len(g.sms.sent) == 3


async def test_a_window_that_closes_after_the_claim_defers_the_send(g: Fixture) -> None:
    request = sms("debtor-1")
    await g.debtor("debtor-1")
    store = g.store
    assert isinstance(store, CountingStore)

    def evening() -> None:
        g.now = WEDNESDAY_NOON + timedelta(hours=10, minutes=30)  # 22:30 in Shanghai

    store.on_claim = evening
    await SendBatcher(g.ctx, concurrency=2).send(request)
    assert g.sms.sent == []
    assert g.kinds() == ["send_deferred"]
    assert await store.deferred_count() == 1
    assert store.log == {}  # the claim's reservation was given back


async def test_a_settle_that_fails_is_recovered_from_the_provider_never_resent(
    g: Fixture,
) -> None:
    request = sms("debtor-1")
    await g.debtor("debtor-1")
    store = g.store
    assert isinstance(store, CountingStore)
    store.settle_fails = True
    with pytest.raises(RetryableError):
        await SendBatcher(g.ctx, concurrency=2).send(request)
    [(_, _, key)] = g.sms.sent
    pending = store.ledger[key]
    assert (pending.status, pending.provider) == (SendStatus.PENDING, "aliyun")
    store.settle_fails = False
    g.sms.askable, g.sms.known = True, {key: "provider-id-1"}
    await SendBatcher(g.ctx, concurrency=2).send(request)  # the record, redelivered
    assert len(g.sms.sent) == 1
    assert store.ledger[key].status is SendStatus.SENT
    assert g.kinds() == ["message_sent"]
