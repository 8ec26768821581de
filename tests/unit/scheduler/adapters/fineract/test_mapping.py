"""Fineract bytes, written with fastavro from the real schemas, decode to Dunwell's events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.scheduler.adapters.fineract.translate import translate
from shared.errors import InvalidEvent
from shared.events import (
    DelinquencyPaused,
    Event,
    InstalmentDue,
    InstalmentFellOverdue,
    RepaymentPosted,
)
from tests.support.fineract import NS, loan_key, message, repayment_due


def to_event(value: bytes, key: bytes | None = None) -> Event:
    """The one event a single Fineract value maps to."""
    [translated] = translate(value, key)
    [event] = translated.events
    return event


def test_due_and_overdue_events() -> None:
    due = to_event(
        repayment_due(
            "LoanRepaymentDueBusinessEvent", 7, 2, date(2026, 4, 10), "1050", date(2026, 4, 7)
        )
    )
    assert isinstance(due, InstalmentDue)
    assert (due.loan_id, due.instalment_number, due.amount_due) == ("7", 2, Decimal("1050"))
    overdue = to_event(
        repayment_due(
            "LoanRepaymentOverdueBusinessEvent",
            7,
            1,
            date(2026, 3, 10),
            "1050.5",
            date(2026, 3, 13),
        )
    )
    assert isinstance(overdue, InstalmentFellOverdue)
    assert (overdue.days_past_due, overdue.account_number) == (3, "000000007")


def test_a_redelivery_maps_to_the_same_event_id() -> None:
    first = repayment_due(
        "LoanRepaymentDueBusinessEvent",
        7,
        2,
        date(2026, 4, 10),
        "10",
        date(2026, 4, 7),
        message_id=5,
    )
    again = repayment_due(
        "LoanRepaymentDueBusinessEvent",
        7,
        2,
        date(2026, 4, 10),
        "10",
        date(2026, 4, 7),
        message_id=5,
    )
    assert to_event(first) == to_event(again)


def test_a_repayment_and_a_pause_named_by_the_kafka_key() -> None:
    transaction = {
        "id": 99,
        "loanId": 7,
        "externalLoanId": None,
        "officeId": None,
        "officeName": None,
        "type": None,
        "date": "2026-03-12",
        "currency": None,
        "paymentDetailData": None,
        "amount": Decimal("500"),
    }
    paid = to_event(
        message(
            "LoanTransactionMakeRepaymentPostBusinessEvent",
            f"{NS}.loan.v1.LoanTransactionDataV1",
            transaction,
            business_date=date(2026, 3, 12),
        )
    )
    assert isinstance(paid, RepaymentPosted)
    assert (paid.amount, paid.value_date) == (Decimal(500), date(2026, 3, 12))
    pause = message(
        "LoanAccountDelinquencyPauseChangedBusinessEvent",
        f"{NS}.loan.v1.DelinquencyPausePeriodV1",
        {"active": True, "pausePeriodStart": "2026-03-15", "pausePeriodEnd": "2026-04-15"},
        business_date=date(2026, 3, 15),
    )
    paused = to_event(pause, loan_key(7))
    assert isinstance(paused, DelinquencyPaused)
    assert (paused.loan_id, paused.end) == ("7", date(2026, 4, 15))
    with pytest.raises(InvalidEvent, match="Kafka key"):
        to_event(pause)


@pytest.mark.parametrize("junk", [b"", b"\xc3\x01short", b"{}", b"\xc3\x01" + b"\x00" * 30])
def test_bad_bytes_are_refused_clearly(junk: bytes) -> None:
    with pytest.raises(InvalidEvent):
        to_event(junk)
