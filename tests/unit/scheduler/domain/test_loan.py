"""Days past due and arrears: partial payments, the due date itself, holidays, leap years,
pauses, restructures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812
from services.scheduler.domain.planner import apply
from shared.events import RepaymentPosted
from tests.unit.scheduler.support import CALENDAR, CONTEXT, at, opened


def loan_after(*payments: tuple[date, str], **kwargs: object) -> L.Loan:
    state = apply(None, opened(**kwargs), CONTEXT).loan  # type: ignore[arg-type]
    assert state is not None
    for n, (day, amount) in enumerate(payments):
        state = apply(
            state,
            RepaymentPosted(
                event_id=f"pay-{n}",
                occurred_at=at(day),
                loan_id=state.loan_id,
                debtor_id=state.debtor_id,
                amount=Decimal(amount),
                value_date=day,
            ),
            CONTEXT,
        ).loan
        assert state is not None
    return state


class TestDaysPastDue:
    def test_unpaid_instalment_ages_from_the_day_after_its_due_date(self) -> None:
        loan = loan_after()
        assert L.days_past_due(loan, date(2026, 3, 10), CALENDAR) == 0
        assert L.days_past_due(loan, date(2026, 3, 11), CALENDAR) == 1
        assert L.days_past_due(loan, date(2026, 4, 9), CALENDAR) == 30

    def test_payment_on_the_due_date_is_not_late(self) -> None:
        loan = loan_after((date(2026, 3, 10), "1050"))
        assert L.days_past_due(loan, date(2026, 3, 20), CALENDAR) == 0

    def test_a_partial_payment_leaves_the_instalment_past_due(self) -> None:
        loan = loan_after((date(2026, 3, 10), "1000"))
        assert L.days_past_due(loan, date(2026, 3, 15), CALENDAR) == 5
        assert L.arrears(loan, date(2026, 3, 15), CALENDAR) == Decimal("50")

    def test_payments_settle_penalties_fees_and_interest_before_principal(self) -> None:
        [first, *_] = L.allocate(loan_after().instalments, Decimal("60"))
        assert (first.paid_interest, first.paid_principal) == (Decimal(50), Decimal(10))

    def test_oldest_instalment_counts(self) -> None:
        loan = loan_after()
        assert L.days_past_due(loan, date(2026, 4, 15), CALENDAR) == 36  # since 10 March
        assert L.arrears(loan, date(2026, 4, 15), CALENDAR) == Decimal("2100")

    def test_a_due_date_on_a_holiday_rolls_to_the_next_business_day(self) -> None:
        # Due Thursday 1 October (holiday), 2 Oct holiday, weekend, 5 Oct holiday: Tuesday 6th.
        loan = loan_after(first_due=date(2026, 10, 1), opened_on=date(2026, 9, 1))
        assert L.days_past_due(loan, date(2026, 10, 6), CALENDAR) == 0
        assert L.days_past_due(loan, date(2026, 10, 7), CALENDAR) == 1
        paid_late_but_in_time = loan_after(
            (date(2026, 10, 6), "1050"), first_due=date(2026, 10, 1), opened_on=date(2026, 9, 1)
        )
        assert L.days_past_due(paid_late_but_in_time, date(2026, 10, 8), CALENDAR) == 0

    def test_a_working_weekend_is_a_business_day(self) -> None:
        assert CALENDAR.roll_forward(date(2026, 10, 10)) == date(2026, 10, 10)  # Saturday
        assert CALENDAR.roll_forward(date(2026, 10, 11)) == date(2026, 10, 12)  # Sunday

    def test_leap_day_counts_like_any_other(self) -> None:
        loan = loan_after(first_due=date(2028, 2, 28), opened_on=date(2028, 1, 1))
        assert L.days_past_due(loan, date(2028, 3, 1), CALENDAR) == 2  # 29 Feb, 1 Mar
        plain = loan_after(first_due=date(2027, 2, 26), opened_on=date(2027, 1, 1))  # a Friday
        assert L.days_past_due(plain, date(2027, 3, 1), CALENDAR) == 3

    def test_paused_days_do_not_count(self) -> None:
        loan = loan_after().model_copy(
            update={"pauses": (L.Pause(start=date(2026, 3, 20), end=date(2026, 3, 29)),)}
        )
        assert L.days_past_due(loan, date(2026, 3, 19), CALENDAR) == 9
        assert L.days_past_due(loan, date(2026, 3, 25), CALENDAR) == 9
        assert L.days_past_due(loan, date(2026, 4, 2), CALENDAR) == 13

    def test_overlapping_pauses_count_once(self) -> None:
        pauses = (
            L.Pause(start=date(2026, 3, 12), end=date(2026, 3, 15)),
            L.Pause(start=date(2026, 3, 14), end=date(2026, 3, 16)),
        )
        assert L.paused_days(pauses, date(2026, 3, 10), date(2026, 3, 20)) == 5

    def test_an_open_ended_pause_stops_ageing(self) -> None:
        loan = loan_after().model_copy(update={"pauses": (L.Pause(start=date(2026, 3, 13)),)})
        assert L.days_past_due(loan, date(2026, 6, 1), CALENDAR) == 2


class TestStatement:
    def test_itemises_what_is_past_due_and_what_was_paid(self) -> None:
        loan = loan_after((date(2026, 3, 12), "30"))
        loan = loan.model_copy(
            update={
                "instalments": tuple(
                    i.model_copy(update={"penalties": Decimal(5)}) if i.number == 1 else i
                    for i in loan.instalments
                )
            }
        )
        s = L.statement(loan, date(2026, 3, 20), CALENDAR)
        assert (s.principal, s.interest, s.penalties, s.paid) == (
            Decimal(1000),
            Decimal(20),
            Decimal(5),
            Decimal(30),
        )
        assert s.total_outstanding == Decimal(1025)
        assert s.days_past_due == 10


class TestLoanView:
    def test_one_days_view_agrees_with_each_figure_worked_out_alone(self) -> None:
        loan = loan_after((date(2026, 3, 12), "400"), (date(2026, 4, 20), "700"))
        loan = loan.model_copy(update={"pauses": (L.Pause(start=date(2026, 4, 1), end=None),)})
        for day in (date(2026, 3, 1), date(2026, 3, 11), date(2026, 4, 15), date(2026, 6, 1)):
            view = L.LoanView.of(loan, day, CALENDAR)
            assert view.overdue == tuple(L.past_due(loan, day, CALENDAR))
            assert view.arrears == L.arrears(loan, day, CALENDAR)
            assert view.days_past_due == L.days_past_due(loan, day, CALENDAR)
            assert view.balance == L.remaining_balance(loan)
            assert view.statement() == L.statement(loan, day, CALENDAR)

    def test_the_oldest_due_date_of_what_is_overdue(self) -> None:
        view = L.LoanView.of(loan_after((date(2026, 3, 10), "1050")), date(2026, 5, 20), CALENDAR)
        assert view.oldest_due == date(2026, 4, 10)
