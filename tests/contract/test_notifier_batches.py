"""One contract for a consumed batch of sends: memory, SQLite, PostgreSQL. A batch's claim
does what its requests' supersedes and decisions would, one by one in order; its providers
are noted and its sends settled as one by one."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from services.notifier.domain.batch import Claim, Settlement, Supersede
from services.notifier.domain.model import DirectoryEntry, GateFacts, SendStatus
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.review import KeptSend
from services.notifier.ports import NotifierStore
from tests.contract.test_notifier_store import ALLOW, NOW, recorder, sms_cap, store, ticket

__all__ = ["store"]  # the parametrised store fixture (memory, sqlite, postgres)

LATER = Decision(outcome=Outcome.DEFER, until=NOW + timedelta(hours=2), rules=["T"])
BLOCK = Decision(outcome=Outcome.BLOCK, rules=["B"])


def supersede(keep: str, debtor: str = "d1", loan: str = "loan-1") -> Supersede:
    why = f"superseded by request {keep}"
    return Supersede(debtor, loan, "overdue_notice", keep, NOW, why)


async def test_lookup_reads_ledger_directory_and_bounces_of_the_batch(
    store: NotifierStore,
) -> None:
    await store.decide(ticket("r1|sms"), lambda _: ALLOW)
    await store.upsert(DirectoryEntry("d1", mobile="+8613800000001"), as_of=NOW)
    await store.upsert(DirectoryEntry("d3", email="c@example.cn"), as_of=NOW)
    await store.mark_undeliverable("d3", "point-x", NOW)
    found = await store.lookup(["r1|sms", "r2|sms"], ["d1", "d2", "d3"])
    assert {k: e.status for k, e in found.ledger.items()} == {"r1|sms": SendStatus.PENDING}
    assert {d: e.mobile or e.email for d, e in found.directory.items()} == {
        "d1": "+8613800000001",
        "d3": "c@example.cn",
    }
    assert {d: p for d, p in found.undeliverable.items() if p} == {"d3": frozenset({"point-x"})}


async def test_claims_are_judged_in_order_counting_the_batch_s_own_reservations(
    store: NotifierStore,
) -> None:
    await store.decide(ticket("old|sms"), sms_cap)
    await store.settle("old|sms", SendStatus.SENT, "m0", "aliyun")
    seen: list[GateFacts] = []
    claims = [
        Claim(ticket("a|sms"), sms_cap),  # the second SMS of 24 hours: allowed
        Claim(ticket("b|sms"), sms_cap),  # a third: put off
        Claim(ticket("c|sms", debtor="d2"), sms_cap),  # another debtor: allowed
        Claim(ticket("d|email", channel="email"), recorder(seen)),
    ]
    claimed = await store.claim([], claims)
    outcomes = [d[0].outcome if d else None for d in claimed.decisions]
    assert outcomes == [Outcome.ALLOW, Outcome.DEFER, Outcome.ALLOW, Outcome.ALLOW]
    assert [c.kind for c in seen[0].history] == ["message_sent"] * 2  # old and a (not c's)
    assert (await store.entry("a|sms")).status is SendStatus.PENDING  # type: ignore[union-attr]
    assert await store.entry("b|sms") is None  # deferred, not in the ledger
    assert await store.deferred_count() == 1
    later: list[GateFacts] = []
    await store.decide(ticket("e|email", channel="email"), recorder(later))
    assert len(later[0].history) == 3  # old, and the batch's reservations a and d


async def test_a_claim_the_ledger_has_already_is_not_judged_again(store: NotifierStore) -> None:
    await store.decide(ticket("r1|sms"), lambda _: BLOCK)
    seen: list[GateFacts] = []
    claimed = await store.claim(
        [], [Claim(ticket("r1|sms"), recorder(seen)), Claim(ticket("r2|sms"), recorder(seen))]
    )
    assert claimed.decisions[0] is None
    assert claimed.decisions[1] is not None
    again = await store.claim([], [Claim(ticket("r2|sms"), recorder(seen))])
    assert again.decisions == [None]
    assert len(seen) == 1
    assert (await store.entry("r1|sms")).status is SendStatus.BLOCKED  # type: ignore[union-attr]


async def test_claims_settle_and_defer_as_decisions_do(store: NotifierStore) -> None:
    claims = [
        Claim(ticket("x|sms"), lambda _: BLOCK),
        Claim(ticket("y|sms", debtor="d2"), lambda _: LATER),
    ]
    await store.claim([], claims)
    assert (await store.entry("x|sms")).status is SendStatus.BLOCKED  # type: ignore[union-attr]
    [due] = await store.due_deferrals(NOW + timedelta(hours=3), 10)
    assert (due.key, due.due_at) == ("y|sms", NOW + timedelta(hours=2))


async def test_a_supersede_withdraws_its_loan_s_waiting_sends_but_its_own(
    store: NotifierStore,
) -> None:
    await store.decide(ticket("old|sms"), lambda _: LATER)
    await store.decide(ticket("new|email", channel="email"), lambda _: LATER)
    await store.decide(replace(ticket("other|sms"), debt_id="loan-2"), lambda _: LATER)
    await store.keep_send(KeptSend("old|wechat", "d1", "loan-1", 1, "overdue_notice", b"{}", NOW))
    claimed = await store.claim([supersede("new"), supersede("nobody", "d9")], [])
    assert [[d.key for d in gone] for gone in claimed.withdrawn] == [["old|sms"], []]
    assert (await store.entry("old|sms")).status is SendStatus.WITHDRAWN  # type: ignore[union-attr]
    assert await store.entry("new|email") is None  # its own deferral stays
    assert await store.deferred_count() == 2
    kept = await store.kept_send("old|wechat")
    assert kept is not None
    assert kept.withdrawn == "superseded by request new"


async def test_providers_are_noted_and_sends_settled_at_once(store: NotifierStore) -> None:
    await store.claim(
        [], [Claim(ticket(f"s{i}|sms", debtor=f"d{i}"), lambda _: ALLOW) for i in range(3)]
    )
    await store.mark_attempts([("s0|sms", "aliyun"), ("s1|sms", "tencent"), ("s2|sms", "aliyun")])
    entry = await store.entry("s1|sms")
    assert entry is not None
    assert (entry.status, entry.provider) == (SendStatus.PENDING, "tencent")
    await store.settle_many(
        [
            Settlement("s0|sms", SendStatus.SENT, "m-0", "aliyun"),
            Settlement("s1|sms", SendStatus.FAILED, None, "tencent"),
        ]
    )
    sent = await store.entry("s0|sms")
    assert sent is not None
    assert (sent.status, sent.provider_message_id) == (SendStatus.SENT, "m-0")
    seen: list[GateFacts] = []
    await store.decide(ticket("t0|email", debtor="d0", channel="email"), recorder(seen))
    await store.decide(ticket("t1|email", debtor="d1", channel="email"), recorder(seen))
    assert [len(f.history) for f in seen] == [1, 0]  # a refused send counts against no cap
    await store.mark_attempts([("s0|sms", "tencent")])  # settled: no longer noted afresh
    assert (await store.entry("s0|sms")).provider == "aliyun"  # type: ignore[union-attr]


async def test_racing_batches_keep_every_cap(store: NotifierStore) -> None:
    await store.decide(ticket("first|sms"), sms_cap)
    await store.settle("first|sms", SendStatus.SENT, "m1", "aliyun")
    batches = [
        [Claim(ticket(f"b{b}-{i}|sms"), sms_cap), Claim(ticket(f"o{b}-{i}|sms", "d2"), sms_cap)]
        for b in range(4)
        for i in range(2)
    ]
    results = await asyncio.gather(*(store.claim([], claims) for claims in batches))
    d1 = [r.decisions[0] for r in results]
    d2 = [r.decisions[1] for r in results]
    assert sorted(d[0].outcome.value for d in d1 if d) == ["ALLOW"] + ["DEFER"] * 7
    assert sorted(d[0].outcome.value for d in d2 if d) == ["ALLOW"] * 2 + ["DEFER"] * 6


async def test_callbacks_remembered_together_are_each_first_once(store: NotifierStore) -> None:
    assert await store.first_time("aliyun:receipt:a", NOW)
    seen = [(f"aliyun:receipt:{k}", NOW) for k in ("a", "b", "b", "c")]
    assert await store.first_times(seen) == [False, True, False, True]
    assert not await store.first_time("aliyun:receipt:c", NOW)
    assert await store.first_times([]) == []
