"""What a borrower's words do to a loan, by reply or by command: promises, holds, tasks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.scheduler.domain.case_actions import on_case_input
from shared.events import (
    AgentTaskOpened,
    ApplyCaseAction,
    BorrowerReplied,
    ContactWithdrawn,
    PromiseToPayResolved,
)
from tests.unit.scheduler.domain.test_planner import START, Book, steps
from tests.unit.scheduler.support import CONTEXT, at


def command(action: str, **terms: object) -> ApplyCaseAction:
    return ApplyCaseAction.model_validate(
        {
            "event_id": f"call-1-{action}",
            "occurred_at": at(START + timedelta(days=2)),
            "debtor_id": "debtor-1",
            "loan_id": "loan-1",
            "action": action,
            "origin": "call",
            "origin_id": "call-1",
            "actor": "agent-42",
            "channel": "voice",
            **terms,
        }
    )


def test_a_promise_made_on_a_call_is_tracked_and_kept_by_a_repayment() -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    promise = command(
        "promise_to_pay", promised_amount="500", currency="CNY", promised_by=START + timedelta(6)
    )
    held = book.event(promise)
    assert [e.reason for e in held if isinstance(e, ContactWithdrawn)] == ["held"]
    assert book.loan.promise is not None
    assert book.loan.promise.amount == Decimal(500)
    assert steps(book.days(START + timedelta(days=3), START + timedelta(days=6))) == []
    book.pay(START + timedelta(days=5), "500")
    outcome = book.days(START + timedelta(days=7), START + timedelta(days=7))
    assert [e.outcome for e in outcome if isinstance(e, PromiseToPayResolved)] == ["kept"]


@pytest.mark.parametrize(
    ("action", "task", "holds"),
    [
        ("extension_request", "extension_request", True),
        ("instalment_request", "instalment_request", True),
        ("dispute", "dispute", True),
        ("complaint", "complaint", True),
        ("already_paid", "already_paid", True),
        ("reschedule_visit", "visit_reschedule", False),
        ("wrong_party", "wrong_party", False),
    ],
)
def test_a_request_opens_a_task_and_may_hold_escalation(
    action: str, task: str, holds: bool
) -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    [opened] = [e for e in book.event(command(action)) if isinstance(e, AgentTaskOpened)]
    assert (opened.kind, opened.loan_id) == (task, "loan-1")
    # A dispute or complaint holds until it is resolved; the other requests for HOLD_DAYS.
    assert (book.loan.hold_until is not None or bool(book.loan.disputes)) is holds


def test_stop_calling_changes_nothing_here() -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    loan = book.loan
    assert on_case_input(loan, command("stop_calling"), START, CONTEXT) == (loan, ())


def test_an_extension_to_a_named_day_holds_until_then() -> None:
    book = Book()
    until = START + timedelta(days=20)
    book.event(command("extension_request", requested_until=until))
    assert book.loan.hold_until == until


@pytest.mark.parametrize("action", ["plan_agreed", "extension_agreed"])
def test_an_agreement_holds_until_its_day_and_opens_nothing(action: str) -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    until = START + timedelta(days=30)
    outputs = book.event(command(action, requested_until=until))
    assert [e for e in outputs if isinstance(e, AgentTaskOpened)] == []
    assert book.loan.hold_until == until
    assert steps(book.days(START + timedelta(days=3), until - timedelta(days=1))) == []


def test_an_agreement_never_shortens_a_longer_hold() -> None:
    book = Book()
    later = START + timedelta(days=40)
    book.event(command("extension_request", requested_until=later))
    book.event(command("plan_agreed", requested_until=START + timedelta(days=20)))
    assert book.loan.hold_until == later


def test_an_agreement_names_its_day() -> None:
    with pytest.raises(ValueError, match="requested_until"):
        command("plan_agreed")


def test_replies_take_the_same_way() -> None:
    book = Book()
    reply = BorrowerReplied(
        event_id="reply-9",
        occurred_at=at(START),
        debtor_id="debtor-1",
        loan_id="loan-1",
        channel="sms",
        intent="complaint",
    )
    [task] = [e for e in book.event(reply) if isinstance(e, AgentTaskOpened)]
    assert task.kind == "complaint"


@pytest.mark.parametrize(("intent", "task"), [("other", "reply_review"), ("acknowledgement", None)])
def test_a_reply_not_understood_is_read_by_a_person_and_an_acknowledgement_is_not(
    intent: str, task: str | None
) -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    reply = BorrowerReplied.model_validate(
        {
            "event_id": f"reply-{intent}",
            "occurred_at": at(START + timedelta(days=2)),
            "debtor_id": "debtor-1",
            "loan_id": "loan-1",
            "channel": "sms",
            "intent": intent,
        }
    )
    opened = [e.kind for e in book.event(reply) if isinstance(e, AgentTaskOpened)]
    assert opened == ([task] if task else [])
    assert book.loan.hold_until is None  # collection goes on while a person reads it
