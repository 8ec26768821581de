"""Time does not run back for a loan: a close of business replayed for a past day, or a
repayment value-dated back, is judged as of the latest day the loan was judged."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import orjson

from services.scheduler.adapters import loan_codec
from services.scheduler.domain.planner import judged_on, sweep
from shared.events import DelinquencyRangeChanged, Event, RepaymentPosted
from tests.unit.scheduler.domain.test_planner import START, Book
from tests.unit.scheduler.support import CONTEXT, at


def ranges(events: list[Event]) -> list[tuple[str | None, str | None]]:
    return [(e.from_range, e.to_range) for e in events if isinstance(e, DelinquencyRangeChanged)]


def test_a_close_replayed_for_a_past_day_moves_no_loan_back_a_range() -> None:
    book = Book()
    book.days(START, START + timedelta(days=31))
    assert book.loan.range_id == "middle"
    assert book.loan.evaluated_on == START + timedelta(days=31)
    # Core banking catches up the days it missed, after the scheduler's own close of today.
    replayed = book.days(START + timedelta(days=20), START + timedelta(days=25))
    assert replayed == []
    assert book.loan.range_id == "middle"


def test_before_the_fix_the_same_replay_flipped_the_range_back() -> None:
    """The replay judged as its own day (a loan stored without the date) goes back a range:
    what ``evaluated_on`` prevents."""
    book = Book()
    book.days(START, START + timedelta(days=31))
    unaware = book.loan.model_copy(update={"evaluated_on": None})
    back = sweep(unaware, START + timedelta(days=20), CONTEXT)
    assert ranges(list(back.outputs)) == [("middle", "early")]


def test_a_repayment_value_dated_back_is_judged_as_of_today() -> None:
    book = Book()
    book.days(START, START + timedelta(days=31))
    today = START + timedelta(days=31)
    part = book.event(
        RepaymentPosted(
            event_id="pay-back",
            occurred_at=at(today),
            loan_id=book.loan.loan_id,
            debtor_id=book.loan.debtor_id,
            amount=Decimal("1"),  # not the arrears: the loan stays overdue
            value_date=START + timedelta(days=10),
        )
    )
    assert ranges(part) == []  # judged as of its value date it had gone back to "early"
    assert book.loan.range_id == "middle"
    assert book.loan.evaluated_on == today


def test_a_day_that_changes_nothing_leaves_the_loan_as_it_was() -> None:
    """Not written again, so no new date either (the sweep rewrites only changed loans)."""
    book = Book()
    book.days(START, START + timedelta(days=31))
    decisions = [sweep(book.loan, START + timedelta(days=n), CONTEXT) for n in range(32, 45)]
    quiet = [d for d in decisions if not d.outputs]
    assert quiet
    assert all(d.loan == book.loan for d in quiet)


def test_judged_on_is_the_later_day() -> None:
    book = Book()
    assert book.loan.evaluated_on is not None
    known = book.loan.evaluated_on
    assert judged_on(known - timedelta(days=3), book.loan) == known
    assert judged_on(known + timedelta(days=3), book.loan) == known + timedelta(days=3)
    unset = book.loan.model_copy(update={"evaluated_on": None})
    assert judged_on(date(2026, 1, 1), unset) == date(2026, 1, 1)


def test_the_date_is_stored_and_a_loan_without_it_is_the_bytes_it_was() -> None:
    book = Book()
    book.days(START, START + timedelta(days=31))
    written = loan_codec.dumps(book.loan)
    assert loan_codec.loads(written) == book.loan
    fields = orjson.loads(written)
    assert fields[0] == 2
    assert len(fields) == 24  # one field past the 23 that earlier versions read
    without = book.loan.model_copy(update={"evaluated_on": None})
    assert len(orjson.loads(loan_codec.dumps(without))) == 23
    assert loan_codec.loads(loan_codec.dumps(without)).evaluated_on is None
