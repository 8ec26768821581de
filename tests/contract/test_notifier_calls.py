"""One contract for the pre-call gate's store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.notifier.domain.call_effects import call_effects
from services.notifier.domain.calls import CallAsk, CallRecord, CallReport, CallTicket
from services.notifier.domain.model import GateFacts
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.ports import NotifierStore
from tests.contract.test_notifier_store import recorder, store, ticket

__all__ = ["store"]  # the parametrised store fixture (memory, sqlite, postgres)

NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
TTL = timedelta(minutes=10)
ALLOW = Decision(outcome=Outcome.ALLOW, packs=["cn@1#abc"])
DEFER = Decision(outcome=Outcome.DEFER, until=NOW + timedelta(hours=1), rules=["CN-TIME-1"])


def ask(key: str = "k1", debtor: str = "d1") -> CallAsk:
    return CallAsk(
        idempotency_key=key,
        debtor_id=debtor,
        debt_id="loan-1",
        number="+8613800000001",
        sender="agency-7",
        agent_id="agent-42",
    )


def call_ticket(key: str = "k1", at: datetime = NOW) -> CallTicket:
    return CallTicket.of(ask(key), at, TTL)


def report(status: str = "connected", **extra: object) -> CallReport:
    return CallReport.model_validate(
        {"status": status, "started_at": NOW, "duration_s": 60, "agent_id": "agent-42", **extra}
    )


async def facts_of(store: NotifierStore, at: datetime = NOW) -> GateFacts:
    """What the message gate sees for d1 (a send decided and then released)."""
    seen: list[GateFacts] = []
    probe = ticket(f"probe-{at.isoformat()}", at=at)
    await store.decide(probe, recorder(seen))
    await store.release(probe.key)
    return seen[0]


async def reported(store: NotifierStore, status: str, **extra: object) -> CallRecord:
    record, _ = await store.decide_call(call_ticket(), lambda _: ALLOW)
    outcome = report(status, **extra)
    stored, _ = await store.report_call(record.call_id, outcome, call_effects(record, outcome))
    return stored


class TestAsk:
    async def test_an_allowed_call_reserves_an_attempt_and_a_connected_call(
        self, store: NotifierStore
    ) -> None:
        record, new = await store.decide_call(call_ticket(), lambda _: ALLOW)
        assert new
        assert (record.state, record.expires_at) == ("reserved", NOW + TTL)
        assert record.decision == ALLOW
        kinds = sorted(c.kind for c in (await facts_of(store)).history)
        assert kinds == ["call_attempt", "call_connected"]

    async def test_a_repeat_comes_back_as_decided_without_judging(
        self, store: NotifierStore
    ) -> None:
        first, _ = await store.decide_call(call_ticket(), lambda _: ALLOW)

        def never(_: GateFacts) -> Decision:
            raise AssertionError("judged twice")

        again, new = await store.decide_call(call_ticket(at=NOW + timedelta(hours=3)), never)
        assert not new
        assert again == first
        assert await store.call(first.call_id) == first

    async def test_a_refused_call_reserves_nothing(self, store: NotifierStore) -> None:
        record, _ = await store.decide_call(call_ticket(), lambda _: DEFER)
        assert (record.state, record.expires_at, record.decision) == ("refused", None, DEFER)
        assert [c.kind for c in (await facts_of(store)).history] == []

    async def test_the_judge_sees_earlier_reservations(self, store: NotifierStore) -> None:
        await store.decide_call(call_ticket("k1"), lambda _: ALLOW)
        seen: list[GateFacts] = []
        await store.decide_call(call_ticket("k2"), recorder(seen))
        assert sorted(c.kind for c in seen[0].history) == ["call_attempt", "call_connected"]

    async def test_racing_asks_of_one_debtor_are_judged_one_after_the_other(
        self, store: NotifierStore
    ) -> None:
        def one_connected_call(facts: GateFacts) -> Decision:
            taken = [c for c in facts.history if c.kind == "call_connected"]
            return DEFER if taken else ALLOW

        results = await asyncio.gather(
            *(store.decide_call(call_ticket(f"k{n}"), one_connected_call) for n in range(4))
        )
        assert (
            sorted(r.decision.outcome for r, _ in results) == [Outcome.ALLOW] + [Outcome.DEFER] * 3
        )

    async def test_one_key_asked_at_once_for_two_debtors_is_decided_once(
        self, store: NotifierStore
    ) -> None:
        tickets = [CallTicket.of(ask("k1", debtor), NOW, TTL) for debtor in ("d1", "d2")]
        results = await asyncio.gather(*(store.decide_call(t, lambda _: ALLOW) for t in tickets))
        assert sorted(new for _, new in results) == [False, True]
        assert len({record.ask_sha256 for record, _ in results}) == 1


class TestRelease:
    async def test_unused_reservations_are_released_at_their_expiry(
        self, store: NotifierStore
    ) -> None:
        record, _ = await store.decide_call(call_ticket(), lambda _: ALLOW)
        assert await store.release_expired_calls(NOW + TTL - timedelta(seconds=1)) == 0
        assert await store.release_expired_calls(NOW + TTL) == 1
        assert [c.kind for c in (await facts_of(store)).history] == []
        found = await store.call(record.call_id)
        assert found is not None
        assert found.state == "expired"

    async def test_an_ask_releases_the_debtors_expired_reservations(
        self, store: NotifierStore
    ) -> None:
        await store.decide_call(call_ticket("k1"), lambda _: ALLOW)
        seen: list[GateFacts] = []
        await store.decide_call(call_ticket("k2", at=NOW + TTL), recorder(seen))
        assert seen[0].history == []


class TestReport:
    async def test_a_connected_call_counts_as_attempt_connected_and_conversation(
        self, store: NotifierStore
    ) -> None:
        record = await reported(store, "connected")
        assert record.state == "reported"
        assert record.report == report("connected")
        assert record.report_sha256 == report("connected").sha256()
        history = (await facts_of(store)).history
        assert sorted(c.kind for c in history if c.channel == "voice") == [
            "call_attempt",
            "call_connected",
            "conversation",
        ]

    async def test_a_busy_line_counts_as_an_attempt_only(self, store: NotifierStore) -> None:
        await reported(store, "busy")
        history = (await facts_of(store)).history
        assert [c.kind for c in history if c.channel == "voice"] == ["call_attempt"]

    async def test_a_second_report_changes_nothing(self, store: NotifierStore) -> None:
        record = await reported(store, "busy")
        other = report("connected")
        again, new = await store.report_call(record.call_id, other, call_effects(record, other))
        assert not new
        assert again.report == report("busy")
        history = (await facts_of(store)).history
        assert [c.kind for c in history if c.channel == "voice"] == ["call_attempt"]

    async def test_a_wrong_number_becomes_unusable_for_every_channel(
        self, store: NotifierStore
    ) -> None:
        record = await reported(store, "wrong_number")
        assert (await facts_of(store)).unusable == {record.point_id}

    async def test_stop_calling_is_kept_as_a_voice_opt_out(self, store: NotifierStore) -> None:
        await reported(store, "connected", dispositions=[{"kind": "stop_calling"}])
        assert (await facts_of(store)).opt_outs == ["voice"]

    async def test_an_expired_call_reported_late_still_counts(self, store: NotifierStore) -> None:
        record, _ = await store.decide_call(call_ticket(), lambda _: ALLOW)
        await store.release_expired_calls(NOW + timedelta(hours=1))
        outcome = report("no_answer")
        await store.report_call(record.call_id, outcome, call_effects(record, outcome))
        history = (await facts_of(store)).history
        assert [c.kind for c in history if c.channel == "voice"] == ["call_attempt"]
