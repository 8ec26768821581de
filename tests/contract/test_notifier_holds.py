"""One contract for the gate's dispute holds: memory, SQLite, PostgreSQL. A hold is read with
the gate's facts (sends and calls), released once, and never reopened by a late open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.domain.model import GateFacts
from services.notifier.domain.policy.scenario import Hold
from services.notifier.ports import NotifierStore
from tests.contract.test_notifier_calls import ALLOW, call_ticket, facts_of
from tests.contract.test_notifier_store import store

__all__ = ["store"]  # the parametrised store fixture (memory, sqlite, postgres)

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
HOLD = Hold(dispute_id="dispute-1", debt_id="loan-1", category="dispute")


async def test_an_open_hold_is_in_the_facts_of_sends_and_calls(store: NotifierStore) -> None:
    assert await store.open_hold("d1", HOLD, NOW)
    assert not await store.open_hold("d1", HOLD, NOW)  # a repeat
    complaint = Hold(dispute_id="complaint-1", debt_id="loan-2", category="complaint")
    await store.open_hold("d1", complaint, NOW + timedelta(seconds=1))
    await store.open_hold("d2", Hold(dispute_id="x", debt_id="loan-9", category="dispute"), NOW)
    assert (await facts_of(store)).holds == (HOLD, complaint)
    seen: list[GateFacts] = []

    def judge(facts: GateFacts) -> object:
        seen.append(facts)
        return ALLOW

    await store.decide_call(call_ticket(), judge)  # type: ignore[arg-type]
    assert seen[0].holds == (HOLD, complaint)
    assert await store.holds("d1") == (HOLD, complaint)


async def test_a_release_is_kept_once_and_never_undone(store: NotifierStore) -> None:
    await store.open_hold("d1", HOLD, NOW)
    assert await store.release_hold("d1", HOLD, NOW + timedelta(days=3))
    assert not await store.release_hold("d1", HOLD, NOW + timedelta(days=4))
    assert not await store.open_hold("d1", HOLD, NOW + timedelta(days=5))  # a late repeat
    assert await store.holds("d1") == ()
    assert (await facts_of(store)).holds == ()


async def test_a_release_read_before_its_open_keeps_the_debt_free(store: NotifierStore) -> None:
    assert await store.release_hold("d1", HOLD, NOW)
    assert not await store.open_hold("d1", HOLD, NOW)
    assert await store.holds("d1") == ()
