"""The contact strategy over a loan's life: episodes, steps once each, pauses, promises, cures,
requests from borrowers, field visits, pre-due reminders."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.scheduler.domain import loan as L  # noqa: N812
from services.scheduler.domain.planner import Decision, apply, pre_due, sweep
from shared.events import (
    AgentTaskOpened,
    BorrowerReplied,
    BusinessDayClosed,
    CallTaskOpened,
    ContactRequested,
    DelinquencyPaused,
    DelinquencyRangeChanged,
    Event,
    InstalmentFellOverdue,
    LoanRescheduled,
    LoanWrittenOff,
    PromiseToPayResolved,
    RepaymentPosted,
    ScheduledInstalment,
)
from tests.unit.scheduler.support import CONTEXT, at, opened

START = date(2026, 3, 10)


class Book:
    """One loan, driven day by day through the planner like the running scheduler does."""

    def __init__(self, **kwargs: object) -> None:
        decision = apply(None, opened(**kwargs), CONTEXT)  # type: ignore[arg-type]
        assert decision.loan is not None
        self.loan: L.Loan = decision.loan
        self.outputs: list[Event] = list(decision.outputs)

    def take(self, decision: Decision) -> list[Event]:
        assert decision.loan is not None
        self.loan = decision.loan
        self.outputs.extend(decision.outputs)
        return list(decision.outputs)

    def days(self, first: date, last: date) -> list[Event]:
        found: list[Event] = []
        day = first
        while day <= last:
            close = BusinessDayClosed(event_id=f"cob-{day}", occurred_at=at(day), business_date=day)
            found += self.take(sweep(self.loan, day, CONTEXT))
            found += self.take(pre_due(self.loan, close, CONTEXT))
            day += timedelta(days=1)
        return found

    def pay(self, day: date, amount: str) -> list[Event]:
        return self.take(
            apply(
                self.loan,
                RepaymentPosted(
                    event_id=f"pay-{day}-{amount}",
                    occurred_at=at(day),
                    loan_id=self.loan.loan_id,
                    debtor_id=self.loan.debtor_id,
                    amount=Decimal(amount),
                    value_date=day,
                ),
                CONTEXT,
            )
        )

    def event(self, event: Event) -> list[Event]:
        return self.take(apply(self.loan, event, CONTEXT))  # type: ignore[arg-type]

    def requests(self) -> list[ContactRequested]:
        return [e for e in self.outputs if isinstance(e, ContactRequested)]


def steps(events: list[Event]) -> list[str]:
    return [e.step for e in events if isinstance(e, ContactRequested)]


class TestEscalation:
    def test_each_step_fires_once_on_its_day(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=20))
        assert steps(book.outputs) == ["early-notice", "early-reminder", "early-final"]
        notice = book.requests()[0]
        assert (notice.days_past_due, notice.amount_due, notice.account_masked) == (
            1,
            Decimal(1050),
            "****5678",
        )
        assert notice.pay_by == date(2026, 3, 18)

    def test_sweeping_a_day_twice_changes_nothing(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=8))
        again = book.days(START + timedelta(days=8), START + timedelta(days=8))
        assert again == []

    def test_replaying_from_scratch_yields_identical_requests(self) -> None:
        first, second = Book(), Book()
        first.days(START, START + timedelta(days=40))
        second.days(START, START + timedelta(days=40))
        assert first.outputs == second.outputs

    def test_a_late_start_sends_only_the_latest_due_step(self) -> None:
        book = Book()
        assert steps(book.days(START + timedelta(days=16), START + timedelta(days=16))) == [
            "early-final"
        ]

    def test_range_changes_are_published(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=31))
        ranges = [
            (e.from_range, e.to_range)
            for e in book.outputs
            if isinstance(e, DelinquencyRangeChanged)
        ]
        assert ranges == [(None, "early"), ("early", "middle")]


class TestCureAndEpisodes:
    def test_paying_the_arrears_ends_the_episode_and_a_new_one_gets_new_ids(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=3))
        cured = book.pay(START + timedelta(days=3), "1050")
        assert [
            (e.from_range, e.to_range) for e in cured if isinstance(e, DelinquencyRangeChanged)
        ] == [("early", None)]
        book.days(START + timedelta(days=4), date(2026, 4, 12))  # instalment 2 due 10 April
        notices = [r for r in book.requests() if r.step == "early-notice"]
        assert [r.episode for r in notices] == [1, 2]
        assert notices[0].event_id != notices[1].event_id

    def test_a_restructure_that_covers_the_arrears_cures(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=5))
        new = tuple(
            ScheduledInstalment(
                number=10 + n,
                due_date=date(2026, 5 + n, 10),
                principal=Decimal(700),
                interest=Decimal(20),
            )
            for n in range(3)
        )
        book.event(
            LoanRescheduled(
                event_id="r1",
                occurred_at=at(START + timedelta(days=6)),
                loan_id="loan-1",
                debtor_id="debtor-1",
                schedule=new,
            )
        )
        assert not book.loan.in_episode
        assert L.days_past_due(book.loan, START + timedelta(days=7), CONTEXT.calendar) == 0


class TestHolds:
    def test_a_pause_across_a_range_boundary_stops_ageing_and_escalation(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=25))
        book.event(
            DelinquencyPaused(
                event_id="p1",
                occurred_at=at(START + timedelta(days=26)),
                loan_id="loan-1",
                debtor_id="debtor-1",
                start=START + timedelta(days=26),
                end=START + timedelta(days=45),
            )
        )
        during = book.days(START + timedelta(days=26), START + timedelta(days=45))
        assert steps(during) == []
        assert book.loan.range_id == "early"  # 25 days, still early after 20 paused days
        after = book.days(START + timedelta(days=46), START + timedelta(days=52))
        assert steps(after) == ["middle-notice"]  # 31 days past due on 21 April + 20 paused

    def test_an_extension_request_holds_escalation_and_opens_an_agent_task(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=2))
        reply = BorrowerReplied(
            event_id="reply-1",
            occurred_at=at(START + timedelta(days=2)),
            debtor_id="debtor-1",
            loan_id="loan-1",
            channel="sms",
            intent="extension_request",
        )
        [task] = [e for e in book.event(reply) if isinstance(e, AgentTaskOpened)]
        assert task.kind == "extension_request"
        assert task.statement is not None
        assert task.statement.total_outstanding == Decimal(1050)
        assert steps(book.days(START + timedelta(days=3), START + timedelta(days=9))) == []

    def test_a_kept_promise(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=2))
        book.event(
            BorrowerReplied(
                event_id="reply-2",
                occurred_at=at(START + timedelta(days=2)),
                debtor_id="debtor-1",
                loan_id="loan-1",
                channel="sms",
                intent="promise_to_pay",
                promised_amount=Decimal(500),
                promised_by=START + timedelta(days=6),
            )
        )
        assert steps(book.days(START + timedelta(days=3), START + timedelta(days=6))) == []
        book.pay(START + timedelta(days=5), "500")
        outcome = book.days(START + timedelta(days=7), START + timedelta(days=7))
        [resolved] = [e for e in outcome if isinstance(e, PromiseToPayResolved)]
        assert resolved.outcome == "kept"

    def test_a_broken_promise_opens_a_task_and_escalation_resumes(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=2))
        book.event(
            BorrowerReplied(
                event_id="reply-3",
                occurred_at=at(START + timedelta(days=2)),
                debtor_id="debtor-1",
                loan_id="loan-1",
                channel="wechat",
                intent="promise_to_pay",
                promised_amount=Decimal(500),
                promised_by=START + timedelta(days=5),
            )
        )
        outcome = book.days(START + timedelta(days=6), START + timedelta(days=7))
        assert [e.outcome for e in outcome if isinstance(e, PromiseToPayResolved)] == ["broken"]
        assert [e.kind for e in outcome if isinstance(e, AgentTaskOpened)] == ["promise_broken"]
        assert steps(outcome) == ["early-reminder"]

    def test_a_written_off_loan_is_never_contacted_again(self) -> None:
        book = Book()
        book.event(
            LoanWrittenOff(
                event_id="w", occurred_at=at(START), loan_id="loan-1", debtor_id="debtor-1"
            )
        )
        assert book.days(START, START + timedelta(days=40)) == []


class TestPreDue:
    def test_a_courtesy_reminder_three_days_before_each_due_date(self) -> None:
        book = Book()
        events = book.days(date(2026, 3, 1), START)
        [reminder] = [e for e in events if isinstance(e, ContactRequested)]
        assert (reminder.purpose, reminder.occurred_at.date()) == (
            "pre_due_reminder",
            date(2026, 3, 7),
        )
        assert reminder.days_past_due == 0

    def test_no_courtesy_reminder_during_an_episode(self) -> None:
        book = Book()
        book.days(START, date(2026, 4, 10))  # instalment 1 unpaid through instalment 2's reminder
        assert not [r for r in book.requests() if r.purpose == "pre_due_reminder"]


def test_a_loan_first_seen_overdue_without_its_borrower_waits_then_decides() -> None:
    report = InstalmentFellOverdue(
        event_id="od-1",
        occurred_at=at(date(2026, 3, 13)),
        loan_id="loan-9",
        account_number="000000009",
        product="fineract-loan",
        instalment_number=1,
        due_date=date(2026, 3, 10),
        amount_due=Decimal(1050),
        currency="CNY",
        days_past_due=3,
    )
    waiting = apply(None, report, CONTEXT)
    assert waiting.loan is not None
    assert waiting.loan.debtor_id is None
    assert waiting.outputs == ()  # nothing is sent to a debtor Dunwell would have to invent
    swept = sweep(waiting.loan, date(2026, 3, 14), CONTEXT)
    assert swept.outputs == ()
    assert swept.loan is not None
    late = opened("loan-9", first_due=date(2026, 3, 10), count=2, opened_on=date(2026, 3, 14))
    found = apply(swept.loan, late, CONTEXT)
    assert found.loan is not None
    assert found.loan.debtor_id == "debtor-1"
    assert [i.number for i in found.loan.instalments] == [1, 2]
    # Four days past due on the opening: the strategy's call step is what is due then.
    decided = [o for o in found.outputs if isinstance(o, ContactRequested | CallTaskOpened)]
    assert [(type(o), o.debtor_id) for o in decided] == [(CallTaskOpened, "debtor-1")]


def test_an_opening_never_changes_a_known_borrower() -> None:
    book = Book()
    again = apply(book.loan, opened(debtor_id="someone-else"), CONTEXT)
    assert again.loan is not None
    assert again.loan.debtor_id == "debtor-1"
