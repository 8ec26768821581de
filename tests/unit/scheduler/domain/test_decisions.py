"""One loan on one day: nothing for a closed loan, holds stop escalation, the withdrawal flag."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812
from services.scheduler.domain.context import as_of, stamp
from services.scheduler.domain.decisions import evaluate, holding, note_published
from services.scheduler.domain.planner import apply
from shared.events import BusinessDayClosed, ContactWithdrawn, RepaymentPosted
from shared.testing.factories import contact_request
from tests.unit.scheduler.support import CALENDAR, CONTEXT, at, opened


def loan() -> L.Loan:
    state = apply(None, opened(), CONTEXT).loan
    assert state is not None
    return state


def test_a_closed_loan_calls_for_nothing() -> None:
    closed = loan().model_copy(update={"status": "closed"})
    assert evaluate(closed, date(2026, 5, 1), CONTEXT) == (closed, ())


def test_a_pause_a_promise_or_a_request_holds_escalation() -> None:
    day = date(2026, 4, 1)
    assert not holding(loan(), day)
    assert holding(loan().model_copy(update={"pauses": (L.Pause(start=day),)}), day)
    promise = L.Promise(amount=Decimal(1), by=day, paid_before=Decimal(0))
    assert holding(loan().model_copy(update={"promise": promise}), day)
    assert holding(loan().model_copy(update={"hold_until": day}), day)


def test_the_loan_knows_whether_a_withdrawal_followed_every_request() -> None:
    withdrawn = ContactWithdrawn(
        event_id="w",
        occurred_at=at(date(2026, 4, 1)),
        loan_id="loan-1",
        debtor_id="debtor-1",
        episode=1,
        reason="cured",
    )
    requested = note_published(loan(), [contact_request()])
    assert not requested.requests_withdrawn
    assert note_published(requested, [withdrawn]).requests_withdrawn


def test_an_event_speaks_for_its_value_date_its_business_date_or_its_local_day() -> None:
    paid = RepaymentPosted(
        event_id="p",
        occurred_at=datetime(2026, 3, 9, 20, tzinfo=UTC),
        loan_id="l",
        debtor_id="d",
        amount=Decimal(1),
        value_date=date(2026, 3, 8),
    )
    assert as_of(paid, CALENDAR) == date(2026, 3, 8)
    close = BusinessDayClosed(
        event_id="c", occurred_at=at(date(2026, 3, 9)), business_date=date(2026, 3, 7)
    )
    assert as_of(close, CALENDAR) == date(2026, 3, 7)
    # 20:00 UTC is already the next day in Shanghai.
    assert as_of(contact_request(occurred_at=datetime(2026, 3, 9, 20, tzinfo=UTC)), CALENDAR) == (
        date(2026, 3, 10)
    )
    assert stamp(date(2026, 3, 9)) == datetime(2026, 3, 9, tzinfo=UTC)
