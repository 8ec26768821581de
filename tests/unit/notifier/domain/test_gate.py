"""The rules both gate stores keep alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.domain.gate import history_since, ledger_status, reservation
from services.notifier.domain.model import GateTicket, SendStatus
from services.notifier.domain.policy.scenario import Decision, Outcome

AT = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
TICKET = GateTicket("r1|sms", "d1", "loan-1", "sms", "cp-1", AT, b"{}")


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (Outcome.ALLOW, SendStatus.PENDING),
        (Outcome.BLOCK, SendStatus.BLOCKED),
        (Outcome.ESCALATE, SendStatus.ESCALATED),
    ],
)
def test_a_decision_claims_or_settles_the_ledger_row(outcome: Outcome, status: SendStatus) -> None:
    assert ledger_status(Decision(outcome=outcome)) is status


def test_the_gate_reads_the_longest_cap_window_plus_a_day() -> None:
    assert history_since(TICKET) == AT - timedelta(days=9)


def test_an_allowed_send_reserves_a_bank_message_on_its_contact_point() -> None:
    contact = reservation(TICKET)
    assert (contact.at, contact.channel, contact.kind, contact.sender) == (
        AT,
        "sms",
        "message_sent",
        "bank",
    )
    assert (contact.debt_id, contact.contact_point) == ("loan-1", "cp-1")
