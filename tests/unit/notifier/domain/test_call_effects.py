"""What one reported call counts, keeps and commands (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.domain.call_effects import call_effects, call_interaction, case_actions
from services.notifier.domain.calls import CallAsk, CallRecord, CallReport, CallTicket
from services.notifier.domain.policy.scenario import Decision, Outcome

ASKED = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
ASK = CallAsk(
    idempotency_key="k",
    debtor_id="d1",
    debt_id="loan-1",
    number="+8613800000001",
    sender="agency-7",
    agent_id="agent-42",
)


def record(outcome: Outcome = Outcome.ALLOW) -> CallRecord:
    ticket = CallTicket.of(ASK, ASKED, timedelta(minutes=10))
    return CallRecord(
        ticket.call_id,
        ASK,
        ticket.ask_sha256,
        ticket.point_id,
        ASKED,
        Decision(outcome=outcome),
        "reserved" if outcome is Outcome.ALLOW else "refused",
    )


def report(status: str, started: datetime = ASKED, **extra: object) -> CallReport:
    return CallReport.model_validate(
        {"status": status, "started_at": started, "duration_s": 30, "agent_id": "a", **extra}
    )


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        ("connected", ["call_attempt", "call_connected", "conversation"]),
        ("third_party", ["call_attempt", "call_connected"]),
        ("wrong_number", ["call_attempt", "call_connected"]),
        ("no_answer", ["call_attempt"]),
        ("busy", ["call_attempt"]),
        ("attempted", ["call_attempt"]),
    ],
)
def test_what_each_status_counts(status: str, kinds: list[str]) -> None:
    effects = call_effects(record(), report(status))
    assert [c.kind for _, c in effects.counted] == kinds
    assert (effects.unusable is not None) is (status == "wrong_number")


def test_a_call_counts_no_earlier_than_its_ask() -> None:
    early = call_effects(record(), report("busy", ASKED - timedelta(days=1)))
    late = call_effects(record(), report("busy", ASKED + timedelta(minutes=3)))
    assert [c.at for _, c in early.counted] == [ASKED]
    assert [c.at for _, c in late.counted] == [ASKED + timedelta(minutes=3)]


def test_a_call_counts_no_later_than_its_report() -> None:
    now = ASKED + timedelta(minutes=5)
    ahead = call_effects(record(), report("busy", ASKED + timedelta(days=30)), now)
    assert [c.at for _, c in ahead.counted] == [now]


def test_a_call_made_against_a_refusal_says_so() -> None:
    interaction = call_interaction(record(Outcome.DEFER), report("busy"))
    assert interaction.reason is not None
    assert "against a DEFER decision" in interaction.reason


def test_the_ids_derive_from_the_call() -> None:
    promise = {"kind": "promise_to_pay", "amount": "10", "on": "2026-03-10"}
    first = case_actions(record(), report("connected", dispositions=[promise]))
    again = case_actions(record(), report("connected", dispositions=[promise]))
    assert [a.event_id for a in first] == [a.event_id for a in again]
    assert call_interaction(record(), report("busy")).event_id == (
        call_interaction(record(), report("no_answer")).event_id
    )
