"""Withdrawing published contact requests that went stale: cures, write-offs, closures, pauses,
holds, changed amounts and paid pre-due reminders; never for a loan nothing was published for."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812
from shared.events import (
    BorrowerReplied,
    ChargeApplied,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyPaused,
    Event,
    LoanClosed,
    LoanRescheduled,
    LoanWrittenOff,
    ScheduledInstalment,
    derived_event_id,
)
from tests.unit.scheduler.domain.test_planner import START, Book, steps
from tests.unit.scheduler.support import at

LOAN, DEBTOR = "loan-1", "debtor-1"


def withdrawals(events: list[Event]) -> list[ContactWithdrawn]:
    return [e for e in events if isinstance(e, ContactWithdrawn)]


def noticed() -> Book:
    """A loan three days into its first episode: the first notice has gone out."""
    book = Book()
    book.days(START, START + timedelta(days=3))
    assert [r.step for r in book.requests()] == ["early-notice"]
    return book


def charge(day: date, instalment: int, amount: str = "30") -> ChargeApplied:
    return ChargeApplied(
        event_id=f"charge-{day}-{instalment}",
        occurred_at=at(day),
        loan_id=LOAN,
        debtor_id=DEBTOR,
        instalment_number=instalment,
        kind="penalty",
        amount=Decimal(amount),
    )


def reply(day: date, intent: str, **fields: object) -> BorrowerReplied:
    return BorrowerReplied.model_validate(
        {
            "event_id": f"reply-{day}-{intent}",
            "occurred_at": at(day),
            "debtor_id": DEBTOR,
            "loan_id": LOAN,
            "channel": "sms",
            "intent": intent,
            **fields,
        }
    )


def paused(day: date) -> DelinquencyPaused:
    return DelinquencyPaused(
        event_id=f"pause-{day}",
        occurred_at=at(day),
        loan_id=LOAN,
        debtor_id=DEBTOR,
        start=day,
        end=day + timedelta(days=20),
    )


def rescheduled(day: date, first_due: date, principal: str) -> LoanRescheduled:
    schedule = tuple(
        ScheduledInstalment(
            number=10 + n,
            due_date=first_due + timedelta(days=30 * n),
            principal=Decimal(principal),
            interest=Decimal(0),
        )
        for n in range(2)
    )
    return LoanRescheduled(
        event_id=f"resched-{day}",
        occurred_at=at(day),
        loan_id=LOAN,
        debtor_id=DEBTOR,
        schedule=schedule,
    )


class TestNothingPublishedNothingWithdrawn:
    def test_a_loan_in_good_standing_gets_no_withdrawal(self) -> None:
        book = Book()
        day = START - timedelta(days=5)  # before the courtesy reminder (7 March)
        book.pay(day, "500")
        book.event(charge(day, 2))
        book.event(paused(day))
        book.event(reply(day, "promise_to_pay", promised_amount="550", promised_by=START))
        book.event(LoanClosed(event_id="c", occurred_at=at(day), loan_id=LOAN, debtor_id=DEBTOR))
        assert book.requests() == []
        assert withdrawals(book.outputs) == []

    def test_an_on_time_payment_without_a_reminder_withdraws_nothing(self) -> None:
        book = Book()
        assert withdrawals(book.pay(START, "1050")) == []

    def test_a_second_payment_with_nothing_published_since_withdraws_nothing(self) -> None:
        book = noticed()
        [first] = withdrawals(book.pay(START + timedelta(days=4), "100"))
        assert first.reason == "amount_changed"
        assert book.loan.requests_withdrawn
        assert withdrawals(book.pay(START + timedelta(days=5), "100")) == []
        assert withdrawals(book.pay(START + timedelta(days=5), "850")) == []  # cured, nothing left

    def test_the_sweep_never_withdraws(self) -> None:
        book = noticed()
        assert withdrawals(book.days(START + timedelta(days=4), START + timedelta(days=40))) == []


class TestEpisodeEnds:
    def test_paying_the_arrears_withdraws_as_cured(self) -> None:
        book = noticed()
        [withdrawn] = withdrawals(book.pay(START + timedelta(days=3), "1050"))
        assert (withdrawn.reason, withdrawn.episode) == ("cured", 1)
        assert (withdrawn.loan_id, withdrawn.debtor_id) == (LOAN, DEBTOR)
        assert withdrawn.partition_key() == DEBTOR
        assert not book.loan.in_episode

    def test_a_restructure_that_covers_the_arrears_withdraws_as_cured(self) -> None:
        book = noticed()
        day = START + timedelta(days=4)
        [withdrawn] = withdrawals(book.event(rescheduled(day, date(2026, 5, 10), "700")))
        assert withdrawn.reason == "cured"

    def test_a_write_off_and_a_closure(self) -> None:
        for event, reason in (
            (
                LoanWrittenOff(event_id="w", occurred_at=at(START), loan_id=LOAN, debtor_id=DEBTOR),
                "written_off",
            ),
            (
                LoanClosed(event_id="c", occurred_at=at(START), loan_id=LOAN, debtor_id=DEBTOR),
                "closed",
            ),
        ):
            book = noticed()
            [withdrawn] = withdrawals(book.event(event))
            assert (withdrawn.reason, withdrawn.episode) == (reason, 1)
            assert withdrawals(book.event(event)) == []  # closed already: nothing more to say

    def test_a_closure_withdraws_a_reminder_for_an_unpaid_instalment(self) -> None:
        book = Book()
        book.days(date(2026, 3, 1), date(2026, 3, 8))  # courtesy reminder on 7 March
        closed = LoanClosed(event_id="c", occurred_at=at(START), loan_id=LOAN, debtor_id=DEBTOR)
        [withdrawn] = withdrawals(book.event(closed))
        assert withdrawn.reason == "closed"


class TestEscalationHeld:
    def test_a_pause_withdraws_as_paused(self) -> None:
        book = noticed()
        [withdrawn] = withdrawals(book.event(paused(START + timedelta(days=4))))
        assert withdrawn.reason == "paused"

    def test_a_promise_to_pay_withdraws_as_held(self) -> None:
        book = noticed()
        day = START + timedelta(days=4)
        promise = reply(
            day, "promise_to_pay", promised_amount="1050", promised_by=day + timedelta(3)
        )
        [withdrawn] = withdrawals(book.event(promise))
        assert withdrawn.reason == "held"

    def test_an_extension_or_instalment_request_withdraws_as_held(self) -> None:
        for intent in ("extension_request", "instalment_request"):
            book = noticed()
            [withdrawn] = withdrawals(book.event(reply(START + timedelta(days=4), intent)))
            assert withdrawn.reason == "held"

    def test_a_reply_that_holds_nothing_withdraws_nothing(self) -> None:
        book = noticed()
        assert withdrawals(book.event(reply(START + timedelta(days=4), "other"))) == []


class TestAmountChanged:
    def test_a_partial_payment_withdraws_and_a_later_step_is_withdrawn_again(self) -> None:
        book = noticed()
        [first] = withdrawals(book.pay(START + timedelta(days=4), "500"))
        assert (first.reason, first.episode) == ("amount_changed", 1)
        assert book.loan.in_episode
        later = book.days(START + timedelta(days=5), START + timedelta(days=7))
        assert steps(later) == ["early-reminder"]
        [second] = withdrawals(book.pay(START + timedelta(days=8), "100"))
        assert second.reason == "amount_changed"
        assert second.event_id != first.event_id

    def test_a_charge_on_an_overdue_instalment_withdraws(self) -> None:
        book = noticed()
        [withdrawn] = withdrawals(book.event(charge(START + timedelta(days=3), 1)))
        assert withdrawn.reason == "amount_changed"

    def test_a_charge_on_an_instalment_not_yet_due_withdraws_nothing(self) -> None:
        book = noticed()
        assert withdrawals(book.event(charge(START + timedelta(days=3), 3))) == []

    def test_a_reschedule_that_leaves_arrears_withdraws(self) -> None:
        book = noticed()
        day = START + timedelta(days=4)
        [withdrawn] = withdrawals(book.event(rescheduled(day, START, "400")))
        assert withdrawn.reason == "amount_changed"

    def test_a_request_decided_with_the_withdrawal_comes_after_it(self) -> None:
        book = noticed()
        outputs = book.event(charge(START + timedelta(days=8), 1))  # no sweep since day 3
        kinds = [
            type(e).__name__ for e in outputs if isinstance(e, ContactRequested | ContactWithdrawn)
        ]
        assert kinds == ["ContactWithdrawn", "ContactRequested"]
        assert not book.loan.requests_withdrawn  # the fresh request is not covered


class TestPreDueReminders:
    def test_paying_the_reminded_instalment_withdraws_the_reminder(self) -> None:
        book = Book()
        book.days(date(2026, 3, 1), date(2026, 3, 8))
        [reminder] = book.requests()
        assert reminder.purpose == "pre_due_reminder"
        [withdrawn] = withdrawals(book.pay(date(2026, 3, 8), "1050"))
        assert (withdrawn.reason, withdrawn.episode) == ("cured", reminder.episode)
        assert withdrawn.event_id == derived_event_id(
            LOAN, "0", "withdrawn", "cured", "pay-2026-03-08-1050"
        )

    def test_a_payment_short_of_the_instalment_withdraws_nothing(self) -> None:
        book = Book()
        book.days(date(2026, 3, 1), date(2026, 3, 8))
        assert withdrawals(book.pay(date(2026, 3, 8), "1000")) == []

    def test_a_payment_for_an_instalment_never_reminded_withdraws_nothing(self) -> None:
        book = Book()
        book.days(date(2026, 3, 1), date(2026, 3, 8))
        book.pay(date(2026, 3, 8), "1050")  # withdraws instalment 1's reminder
        assert withdrawals(book.pay(date(2026, 3, 9), "1050")) == []  # instalment 2, not reminded


class TestDeterminism:
    def test_the_id_derives_from_loan_episode_reason_and_source_event(self) -> None:
        book = noticed()
        [withdrawn] = withdrawals(book.pay(START + timedelta(days=3), "1050"))
        assert withdrawn.event_id == derived_event_id(
            LOAN, "1", "withdrawn", "cured", f"pay-{START + timedelta(days=3)}-1050"
        )
        assert withdrawn.occurred_at == at(START + timedelta(days=3)).replace(hour=0)

    def test_replaying_the_same_inputs_yields_the_same_withdrawals(self) -> None:
        first, second = noticed(), noticed()
        for book in (first, second):
            book.pay(START + timedelta(days=4), "500")
            book.days(START + timedelta(days=5), START + timedelta(days=7))
            book.pay(START + timedelta(days=8), "550")
        assert withdrawals(first.outputs) == withdrawals(second.outputs)
        assert [w.reason for w in withdrawals(first.outputs)] == ["amount_changed", "cured"]

    def test_replaying_an_applied_event_on_its_own_state_gives_the_same_id(self) -> None:
        book = noticed()
        before = book.loan
        [once] = withdrawals(book.pay(START + timedelta(days=4), "500"))
        book.loan = before
        [again] = withdrawals(book.pay(START + timedelta(days=4), "500"))
        assert once == again


class TestStoredState:
    def test_state_stored_before_withdrawals_existed_still_loads(self) -> None:
        stored = noticed().loan.model_dump(mode="json")
        del stored["requests_withdrawn"]
        loan = L.Loan.model_validate(stored)
        assert loan.requests_withdrawn is False  # so its published requests are withdrawn

    def test_the_flag_survives_a_round_trip_through_json(self) -> None:
        book = noticed()
        book.pay(START + timedelta(days=4), "500")
        stored = L.Loan.model_validate(book.loan.model_dump(mode="json"))
        assert stored == book.loan
        assert stored.requests_withdrawn
