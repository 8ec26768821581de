"""The pre-call gate's use cases on the memory store and the real cn pack: asks, reservations,
outcomes, releases; what the evidence log and the scheduler are told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.domain.calls import CallAsk, CallReport
from services.notifier.domain.model import directory_entry
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Outcome
from services.notifier.handlers.calls import (
    CallConflict,
    CallContext,
    CallUnknown,
    ask_to_call,
    release_expired,
    report_call,
)
from shared.events import ApplyCaseAction, InteractionRecorded
from shared.testing.factories import contact_details
from shared.testing.memory import InMemoryEventPublisher

WEDNESDAY_TEN = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NUMBER = "+8613800000001"
INTERACTIONS, ACTIONS = "interactions", "case-actions"


class Desk:
    """A dialler's view of the gate, with a clock the test moves."""

    def __init__(self) -> None:
        self.store = InMemoryNotifierStore()
        self.publisher = InMemoryEventPublisher()
        self.now = WEDNESDAY_TEN
        self.ctx = CallContext(
            store=self.store,
            packs=[load_pack("cn")],
            publisher=self.publisher,
            interactions_topic=INTERACTIONS,
            case_actions_topic=ACTIONS,
            clock=lambda: self.now,
            reservation_ttl=timedelta(minutes=10),
        )
        self._keys = 0

    async def know(self, debtor: str = "d1", mobile: str = NUMBER) -> None:
        details = contact_details(debtor, mobile=mobile, locale="zh-CN")
        await self.store.upsert(directory_entry(details), as_of=details.occurred_at)

    def ask(self, **overrides: Any) -> CallAsk:
        self._keys += 1
        fields: dict[str, Any] = {
            "idempotency_key": f"dial-{self._keys}",
            "debtor_id": "d1",
            "debt_id": "loan-1",
            "number": NUMBER,
            "sender": "agency-7",
            "agent_id": "agent-42",
        }
        return CallAsk.model_validate({**fields, **overrides})

    def report(self, status: str = "connected", **overrides: Any) -> CallReport:
        fields: dict[str, Any] = {
            "status": status,
            "started_at": self.now.isoformat(),
            "duration_s": 95,
            "agent_id": "agent-42",
        }
        return CallReport.model_validate({**fields, **overrides})

    async def call(self, status: str = "connected", **report: Any) -> Outcome:
        """Ask, and when allowed, report the dial as ``status``; the gate's answer."""
        record, _ = await ask_to_call(self.ctx, self.ask())
        if record.decision.outcome is Outcome.ALLOW:
            await report_call(self.ctx, record.call_id, self.report(status, **report))
        return record.decision.outcome


@pytest.fixture
async def desk() -> Desk:
    desk = Desk()
    await desk.know()
    return desk


class TestAsk:
    async def test_allowed_with_a_reservation_until_its_expiry(self, desk: Desk) -> None:
        record, new = await ask_to_call(desk.ctx, desk.ask())
        assert new
        assert record.decision.outcome is Outcome.ALLOW
        assert (record.state, record.expires_at) == (
            "reserved",
            WEDNESDAY_TEN + timedelta(minutes=10),
        )

    async def test_a_repeated_key_gets_the_first_answer(self, desk: Desk) -> None:
        ask = desk.ask()
        first, _ = await ask_to_call(desk.ctx, ask)
        desk.now += timedelta(hours=13)  # 23:00: a new ask would be deferred
        again, new = await ask_to_call(desk.ctx, ask)
        assert (again, new) == (first, False)

    async def test_a_key_reused_for_another_call_is_a_conflict(self, desk: Desk) -> None:
        ask = desk.ask()
        await ask_to_call(desk.ctx, ask)
        with pytest.raises(CallConflict):
            await ask_to_call(desk.ctx, ask.model_copy(update={"debt_id": "loan-2"}))

    async def test_at_night_deferred_to_eight_in_the_morning(self, desk: Desk) -> None:
        desk.now = datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.DEFER
        assert record.decision.until == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
        assert (record.state, record.expires_at) == ("refused", None)

    async def test_a_dial_not_allowed_is_evidence_once(self, desk: Desk) -> None:
        desk.now = datetime(2026, 3, 4, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
        ask = desk.ask()
        await ask_to_call(desk.ctx, ask)
        await ask_to_call(desk.ctx, ask)  # a retry: the same evidence again, deduped downstream
        first, again = desk.publisher.events(INTERACTIONS)
        assert first == again
        assert isinstance(first, InteractionRecorded)
        assert (first.kind, first.channel, first.rules) == ("call_refused", "voice", ("CN-TIME-1",))
        assert first.deferred_until == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
        assert NUMBER not in first.model_dump_json()

    async def test_an_allowed_dial_is_evidence_once_reported(self, desk: Desk) -> None:
        await ask_to_call(desk.ctx, desk.ask())
        assert desk.publisher.events(INTERACTIONS) == []

    async def test_a_number_not_in_the_directory_is_blocked(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask(number="+8613900000009"))
        assert (record.decision.outcome, record.decision.rules) == (Outcome.BLOCK, ["CALL-NUMBER"])

    async def test_a_debtor_not_known_yet_is_asked_about_again_later(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask(debtor_id="d-new"))
        assert record.decision.outcome is Outcome.DEFER
        assert record.decision.until == WEDNESDAY_TEN + timedelta(hours=1)


class TestCaps:
    async def test_the_fourth_connected_call_waits_for_the_next_morning(self, desk: Desk) -> None:
        assert [await desk.call() for _ in range(3)] == [Outcome.ALLOW] * 3
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.DEFER
        assert "CN-FREQ-1" in record.decision.rules
        assert record.decision.until == datetime(2026, 3, 5, 0, 0, tzinfo=UTC)  # 08:00 local

    async def test_reservations_count_at_once(self, desk: Desk) -> None:
        for _ in range(3):
            await ask_to_call(desk.ctx, desk.ask())  # allowed, not dialled yet
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.DEFER

    async def test_unanswered_dials_count_as_attempts_only(self, desk: Desk) -> None:
        outcomes = [await desk.call("no_answer") for _ in range(6)]
        assert outcomes == [Outcome.ALLOW] * 6
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert "CN-FREQ-2" in record.decision.rules
        assert "CN-FREQ-1" not in record.decision.rules

    async def test_an_unused_reservation_is_released_at_its_expiry(self, desk: Desk) -> None:
        for _ in range(3):
            await ask_to_call(desk.ctx, desk.ask())
        desk.now += timedelta(minutes=11)
        assert await release_expired(desk.ctx) == 3
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.ALLOW

    async def test_an_ask_releases_the_debtors_expired_reservations_itself(
        self, desk: Desk
    ) -> None:
        for _ in range(3):
            await ask_to_call(desk.ctx, desk.ask())
        desk.now += timedelta(minutes=11)
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.ALLOW

    async def test_a_wrong_number_is_never_called_again(self, desk: Desk) -> None:
        assert await desk.call("wrong_number") is Outcome.ALLOW
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.BLOCK
        assert "CN-TP-1" in record.decision.rules
        facts = desk.store.facts("d1", WEDNESDAY_TEN - timedelta(days=1))
        assert len(facts.unusable) == 1

    async def test_stop_calling_is_a_voice_opt_out(self, desk: Desk) -> None:
        await desk.call(dispositions=[{"kind": "stop_calling"}])
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        assert record.decision.outcome is Outcome.BLOCK
        assert "CN-OPTOUT" in record.decision.rules
        assert desk.store.opt_outs["d1"] == {"voice"}


class TestReport:
    async def test_a_promise_reaches_the_evidence_log_and_the_scheduler(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        promise = {
            "kind": "promise_to_pay",
            "amount": "5000",
            "currency": "CNY",
            "on": "2026-03-13",
        }
        report = desk.report(summary="agreed to pay", dispositions=[promise])
        await report_call(desk.ctx, record.call_id, report)
        [interaction] = desk.publisher.events(INTERACTIONS)
        assert isinstance(interaction, InteractionRecorded)
        assert (interaction.kind, interaction.channel, interaction.loan_id) == (
            "call_made",
            "voice",
            "loan-1",
        )
        assert interaction.reason is not None
        assert "5,000.00 CNY on 2026-03-13" in interaction.reason
        assert NUMBER not in interaction.model_dump_json()
        [action] = desk.publisher.events(ACTIONS)
        assert isinstance(action, ApplyCaseAction)
        assert (action.action, action.promised_amount, action.promised_by, action.origin_id) == (
            "promise_to_pay",
            Decimal(5000),
            date(2026, 3, 13),
            record.call_id,
        )

    async def test_a_repeat_is_kept_once_and_publishes_the_same_events(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        report = desk.report(dispositions=[{"kind": "dispute"}])
        _, first = await report_call(desk.ctx, record.call_id, report)
        _, again = await report_call(desk.ctx, record.call_id, report)
        assert (first, again) == (True, False)
        ids = [e.event_id for e in desk.publisher.events(INTERACTIONS)]
        assert len(ids) == 2
        assert len(set(ids)) == 1
        contacts = [c.kind for _, c, _ in desk.store.log.values()]
        assert sorted(contacts) == ["call_attempt", "call_connected", "conversation"]

    async def test_another_outcome_for_a_reported_call_is_a_conflict(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        await report_call(desk.ctx, record.call_id, desk.report("busy"))
        with pytest.raises(CallConflict):
            await report_call(desk.ctx, record.call_id, desk.report("connected"))

    async def test_an_unknown_call_is_refused(self, desk: Desk) -> None:
        with pytest.raises(CallUnknown):
            await report_call(desk.ctx, "no-such-call", desk.report())

    async def test_a_call_reported_after_its_expiry_still_counts(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        desk.now += timedelta(minutes=30)
        await release_expired(desk.ctx)
        await report_call(desk.ctx, record.call_id, desk.report("connected"))
        kinds = sorted(c.kind for _, c, reserved in desk.store.log.values() if not reserved)
        assert kinds == ["call_attempt", "call_connected", "conversation"]

    async def test_a_wrong_number_tells_the_scheduler_of_a_wrong_party(self, desk: Desk) -> None:
        record, _ = await ask_to_call(desk.ctx, desk.ask())
        await report_call(desk.ctx, record.call_id, desk.report("wrong_number"))
        [action] = desk.publisher.events(ACTIONS)
        assert isinstance(action, ApplyCaseAction)
        assert action.action == "wrong_party"

    def test_an_unanswered_call_has_no_dispositions(self, desk: Desk) -> None:
        with pytest.raises(ValueError, match="no dispositions"):
            desk.report("no_answer", dispositions=[{"kind": "dispute"}])

    def test_a_promise_needs_its_terms(self, desk: Desk) -> None:
        with pytest.raises(ValueError, match="amount and a date"):
            desk.report(dispositions=[{"kind": "promise_to_pay", "amount": "100"}])
