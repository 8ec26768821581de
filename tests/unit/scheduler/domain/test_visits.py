"""Field visits booked, not imposed: slots on business days within visiting hours, the branch
by the loan's region (none: held for a person), a reschedule, and a cure calling it off."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from services.scheduler.domain import loan as L  # noqa: N812
from services.scheduler.domain.planner import apply
from services.scheduler.domain.strategy import StrategyError, VisitingHours, load_strategy
from services.scheduler.domain.visits import due_visit
from shared.events import (
    AgentTaskOpened,
    ApplyCaseAction,
    BorrowerReplied,
    ContactRequested,
    ContactWithdrawn,
    Event,
    LoanWrittenOff,
    VisitCancelled,
    VisitProposed,
)
from tests.unit.scheduler.domain.test_planner import START, Book
from tests.unit.scheduler.support import CALENDAR, CONTEXT, STRATEGY_FILE, at, opened

T = TypeVar("T")
SHANGHAI = ZoneInfo("Asia/Shanghai")
VISIT_DAY = START + timedelta(days=61)


def visit_book(**kwargs: object) -> tuple[Book, list[Event]]:
    book = Book(principal="40000", interest="800", count=3, **kwargs)
    return book, book.days(START, VISIT_DAY)


def of_type(events: list[Event], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


def reply(book: Book, day: date, *, named: date | None = None) -> list[Event]:
    return book.event(
        BorrowerReplied(
            event_id=f"reply-{day}",
            occurred_at=at(day),
            debtor_id="debtor-1",
            loan_id=book.loan.loan_id,
            channel="sms",
            intent="reschedule",
            promised_by=named,
        )
    )


class TestProposal:
    def test_a_slot_at_the_branch_of_the_loans_region_within_visiting_hours(self) -> None:
        _, events = visit_book()
        [proposed] = of_type(events, VisitProposed)
        slot = proposed.slot
        local = slot.starts_at.astimezone(SHANGHAI)
        assert local.time() == time(9, 30)
        assert slot.ends_at - slot.starts_at == timedelta(hours=1)
        assert CALENDAR.is_business_day(local.date())
        assert local.date() >= VISIT_DAY + timedelta(days=7)
        assert slot.branch_id == "sh-pudong"
        assert "上海市浦东新区世纪大道100号" in slot.place["zh-CN"]
        assert "Century Avenue" in slot.place["en"]
        assert sum(p.amount for p in proposed.proposed_plan) == Decimal("81600")
        assert proposed.statement.total_outstanding == Decimal("81600")

    def test_the_notice_carries_the_slot_and_no_task_is_opened_before_delivery(self) -> None:
        _, events = visit_book()
        [proposed] = of_type(events, VisitProposed)
        [notice] = [r for r in of_type(events, ContactRequested) if r.purpose == "visit_notice"]
        assert (notice.event_id, notice.visit) == (proposed.notice_id, proposed.slot)
        assert notice.place is None  # never one generic string: the slot's place, by language
        assert not [t for t in of_type(events, AgentTaskOpened) if t.kind == "field_visit"]

    def test_no_branch_for_the_region_holds_the_visit_for_a_person(self) -> None:
        _, events = visit_book(region="999999")
        assert not of_type(events, VisitProposed)
        assert not [r for r in of_type(events, ContactRequested) if r.purpose == "visit_notice"]
        [task] = of_type(events, AgentTaskOpened)
        assert task.kind == "visit_unplaced"

    def test_a_loan_without_a_region_is_held_too(self) -> None:
        _, events = visit_book(region=None)
        assert [t.kind for t in of_type(events, AgentTaskOpened)] == ["visit_unplaced"]

    def test_once_per_episode_and_the_same_on_a_replay(self) -> None:
        first, events = visit_book()
        _, replayed = visit_book()
        assert events == replayed
        later = first.days(VISIT_DAY, VISIT_DAY + timedelta(days=3))
        assert not of_type(later, VisitProposed)
        assert not [r for r in of_type(later, ContactRequested) if r.purpose == "visit_notice"]

    def test_a_small_debt_gets_no_visit(self) -> None:
        loan = apply(None, opened(principal="10"), CONTEXT).loan
        assert loan is not None
        loan = loan.model_copy(update={"range_id": "late", "in_episode": True})
        view = L.LoanView.of(loan, VISIT_DAY, CALENDAR)
        assert due_visit(loan, view, CONTEXT) == (loan, ())


class TestVisitingHours:
    def test_hours_outside_the_night_ban_are_refused(self) -> None:
        with pytest.raises(ValueError, match="CN-TIME-1"):
            VisitingHours(start=time(7, 30), end=time(12, 0))
        with pytest.raises(ValueError, match="CN-TIME-1"):
            VisitingHours(start=time(9, 0), end=time(22, 30))

    def test_a_slot_longer_than_the_hours_is_refused(self) -> None:
        with pytest.raises(ValueError, match="fits"):
            VisitingHours(start=time(21, 0), end=time(22, 0), slot_minutes=90)

    def test_a_strategy_with_night_visits_does_not_load(self) -> None:
        text = STRATEGY_FILE.read_text().replace('start: "09:30"', 'start: "06:00"')
        with pytest.raises(StrategyError, match="CN-TIME-1"):
            load_strategy(text)


class TestReschedule:
    def test_a_reply_moves_the_visit_to_the_next_business_day_with_a_new_notice(self) -> None:
        book, events = visit_book()
        [first] = of_type(events, VisitProposed)
        moved = reply(book, VISIT_DAY + timedelta(days=1))
        [cancelled] = of_type(moved, VisitCancelled)
        [second] = of_type(moved, VisitProposed)
        [notice] = of_type(moved, ContactRequested)
        assert (cancelled.visit_id, cancelled.reason) == (first.slot.visit_id, "rescheduled")
        assert (second.sequence, second.replaces, second.origin) == (
            2,
            first.slot.visit_id,
            "reply",
        )
        old_day = first.slot.starts_at.astimezone(SHANGHAI).date()
        new_day = second.slot.starts_at.astimezone(SHANGHAI).date()
        assert new_day == CALENDAR.roll_forward(old_day + timedelta(days=1))
        assert (notice.event_id, notice.visit, notice.step) == (
            second.notice_id,
            second.slot,
            "visit-notice-2",
        )
        assert not of_type(moved, AgentTaskOpened)

    def test_the_day_the_borrower_named_rolled_to_a_business_day(self) -> None:
        book, _ = visit_book()
        saturday = date(2026, 5, 23)
        [second] = of_type(reply(book, VISIT_DAY, named=saturday), VisitProposed)
        assert second.slot.starts_at == datetime(2026, 5, 25, 9, 30, tzinfo=SHANGHAI)

    def test_an_agent_moves_it_to_the_day_they_agreed(self) -> None:
        book, _ = visit_book()
        action = ApplyCaseAction(
            event_id="act-1",
            occurred_at=at(VISIT_DAY),
            debtor_id="debtor-1",
            loan_id=book.loan.loan_id,
            action="reschedule_visit",
            origin="agent",
            origin_id="a-1",
            actor="agent-7",
            visit_on=date(2026, 5, 27),
        )
        [second] = of_type(book.event(action), VisitProposed)
        assert (second.origin, second.slot.starts_at.date()) == ("agent", date(2026, 5, 27))

    def test_with_no_visit_a_reschedule_is_a_task_for_a_person(self) -> None:
        book = Book(principal="40000", interest="800", count=3)
        book.days(START, START + timedelta(days=10))
        [task] = of_type(reply(book, START + timedelta(days=11)), AgentTaskOpened)
        assert task.kind == "visit_reschedule"


class TestCancellation:
    def test_a_cure_calls_the_visit_off_and_tells_the_borrower_after_the_withdrawal(self) -> None:
        book, events = visit_book()
        [proposed] = of_type(events, VisitProposed)
        cured = book.pay(VISIT_DAY + timedelta(days=1), "81600")
        kinds = [type(e).__name__ for e in cured]
        assert kinds.index("ContactWithdrawn") < kinds.index("ContactRequested")
        [cancelled] = of_type(cured, VisitCancelled)
        [told] = of_type(cured, ContactRequested)
        assert (cancelled.visit_id, cancelled.reason) == (proposed.slot.visit_id, "cured")
        assert (told.event_id, told.purpose, told.template_id) == (
            cancelled.notice_id,
            "visit_cancellation",
            "visit-cancel-v1",
        )
        assert told.visit == proposed.slot
        assert of_type(cured, ContactWithdrawn)[0].reason == "cured"
        assert book.loan.visit is None

    def test_no_cancellation_without_a_visit(self) -> None:
        book = Book()
        book.days(START, START + timedelta(days=5))
        assert not of_type(book.pay(START + timedelta(days=6), "1050"), VisitCancelled)

    def test_a_write_off_calls_it_off_without_a_message(self) -> None:
        book, _ = visit_book()
        day = VISIT_DAY + timedelta(days=1)
        off = book.event(
            LoanWrittenOff(event_id="wo-1", occurred_at=at(day), loan_id=book.loan.loan_id)
        )
        [cancelled] = of_type(off, VisitCancelled)
        assert (cancelled.reason, cancelled.notice_id) == ("written_off", None)
        assert not [r for r in of_type(off, ContactRequested) if r.purpose.startswith("visit")]

    def test_a_visit_whose_day_has_passed_is_not_called_off(self) -> None:
        book, events = visit_book()
        [proposed] = of_type(events, VisitProposed)
        after = proposed.slot.starts_at.astimezone(SHANGHAI).date() + timedelta(days=1)
        cured = book.pay(after, "122400")
        assert [w.reason for w in of_type(cured, ContactWithdrawn)] == ["cured"]
        assert not of_type(cured, VisitCancelled)
        assert book.loan.visit is None
