"""Disputes and complaints stop collection of the loan until they are resolved, not for a
fixed number of days; their resolution releases the hold, once."""

from __future__ import annotations

from datetime import timedelta

from shared.events import (
    ApplyCaseAction,
    BorrowerReplied,
    CallTaskOpened,
    ContactRequested,
    ContactWithdrawn,
    DisputeOpened,
    DisputeResolved,
    ResolveDispute,
)
from tests.unit.scheduler.domain.test_planner import START, Book, steps
from tests.unit.scheduler.support import at


def reply(intent: str, day: int = 2) -> BorrowerReplied:
    return BorrowerReplied(
        event_id=f"reply-{intent}-{day}",
        occurred_at=at(START + timedelta(days=day)),
        debtor_id="debtor-1",
        loan_id="loan-1",
        channel="sms",
        intent=intent,
    )


def resolve(dispute_id: str, day: int, resolution: str = "rejected") -> ResolveDispute:
    return ResolveDispute(
        event_id=f"resolve-{dispute_id}-{day}",
        occurred_at=at(START + timedelta(days=day)),
        dispute_id=dispute_id,
        loan_id="loan-1",
        debtor_id="debtor-1",
        resolution=resolution,
        resolved_by="supervisor-7",
    )


def test_a_disputed_loan_gets_no_contact_until_the_dispute_is_resolved() -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    out = book.event(reply("dispute"))
    [opened] = [e for e in out if isinstance(e, DisputeOpened)]
    assert (opened.category, opened.origin, opened.origin_id) == (
        "dispute",
        "reply",
        "reply-dispute-2",
    )
    assert opened.opened_on == START + timedelta(days=2)
    assert [e.reason for e in out if isinstance(e, ContactWithdrawn)] == ["held"]
    # Far longer than any fixed hold: nothing goes out, no call is opened.
    quiet = book.days(START + timedelta(days=3), START + timedelta(days=40))
    assert not [e for e in quiet if isinstance(e, ContactRequested | CallTaskOpened)]
    resolved = book.event(resolve(opened.event_id, 41))
    [done] = [e for e in resolved if isinstance(e, DisputeResolved)]
    assert (done.dispute_id, done.resolved_by, done.category) == (
        opened.event_id,
        "supervisor-7",
        "dispute",
    )
    assert book.loan.disputes == ()
    # Collection resumes at once with what is due now (41 days past due: the middle call).
    assert [e.step for e in resolved if isinstance(e, CallTaskOpened)] == ["middle-call"]


def test_a_repeated_dispute_or_resolution_changes_nothing() -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    [opened] = [e for e in book.event(reply("complaint")) if isinstance(e, DisputeOpened)]
    assert not [e for e in book.event(reply("complaint")) if isinstance(e, DisputeOpened)]
    assert len(book.loan.disputes) == 1
    assert book.event(resolve(opened.event_id, 5))
    assert not [
        e for e in book.event(resolve(opened.event_id, 6)) if isinstance(e, DisputeResolved)
    ]
    assert book.event(resolve("no-such-dispute", 6)) == []


def test_two_disputes_hold_until_both_are_resolved() -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    [first] = [e for e in book.event(reply("dispute", 2)) if isinstance(e, DisputeOpened)]
    [second] = [e for e in book.event(reply("complaint", 3)) if isinstance(e, DisputeOpened)]
    book.event(resolve(first.event_id, 4))
    assert steps(book.days(START + timedelta(days=5), START + timedelta(days=8))) == []
    assert steps(book.event(resolve(second.event_id, 9))) == ["early-reminder"]


def test_an_agents_complaint_names_the_agent_and_holds_pre_due_reminders_too() -> None:
    book = Book()
    action = ApplyCaseAction(
        event_id="desk-action-1",
        occurred_at=at(START - timedelta(days=10)),
        debtor_id="debtor-1",
        loan_id="loan-1",
        action="complaint",
        origin="agent",
        origin_id="a-1",
        actor="agent-3",
    )
    [opened] = [e for e in book.event(action) if isinstance(e, DisputeOpened)]
    assert (opened.origin, opened.actor, opened.category) == ("agent", "agent-3", "complaint")
    # The loan is current: the courtesy reminder three days before the due date is held too.
    assert steps(book.days(START - timedelta(days=9), START - timedelta(days=1))) == []
