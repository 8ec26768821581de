"""Each event's effect on a case: idempotent, and blind to the order topics arrive in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.desk.domain import cases
from services.desk.domain.model import Case
from tests.support.desk import Loan, statement

LOAN = Loan()


def empty() -> Case:
    return cases.case_for(None, LOAN.loan_id, LOAN.debtor_id)


def test_a_range_change_moves_the_case_and_a_cure_ends_the_episode() -> None:
    case = cases.with_range(empty(), LOAN.range("r2", day=5))
    assert (case.episode, case.range_id, case.days_past_due) == (1, "r2", 12)
    assert case.episode_over(1) is None
    cured = cases.with_range(case, LOAN.range(None, day=9))
    assert (cured.range_id, cured.ended_episode, cured.ended_on) == (None, 1, date(2026, 3, 9))
    assert cured.episode_over(1) == "cured"
    assert cases.with_range(cured, LOAN.range(None, day=9)) == cured  # redelivered


def test_an_older_range_change_arriving_late_changes_nothing_but_a_cure_counts() -> None:
    case = cases.with_range(empty(), LOAN.range("r3", episode=2, day=20))
    assert cases.with_range(case, LOAN.range("r2", episode=2, day=10)) == case
    late_cure = cases.with_range(case, LOAN.range(None, episode=1, day=9))
    assert (late_cure.range_id, late_cure.ended_episode) == ("r3", 1)
    assert late_cure.episode_over(1) == "cured"
    assert late_cure.episode_over(2) is None


def test_a_later_episode_ends_the_earlier_ones() -> None:
    case = cases.with_task(empty(), LOAN.task("dispute", episode=3))
    assert case.episode == 3
    assert case.episode_over(2) == "cured"


def test_withdrawals_carry_write_off_closure_and_cure() -> None:
    assert cases.with_withdrawal(empty(), LOAN.withdrawn("written_off")).terminal == "written_off"
    closed = cases.with_withdrawal(empty(), LOAN.withdrawn("closed"))
    assert closed.episode_over(5) == "closed"
    # A settled reminder is withdrawn as "cured" outside any episode: only a range change
    # out of delinquency ends one.
    assert cases.with_withdrawal(empty(), LOAN.withdrawn("cured", 1)) == empty()
    assert cases.with_withdrawal(empty(), LOAN.withdrawn("held")) == empty()


def test_the_statement_and_the_overdue_amount_keep_the_latest() -> None:
    case = cases.with_task(empty(), LOAN.task(statement=statement(date(2026, 3, 8), "900.00")))
    older = LOAN.task("dispute", statement=statement(date(2026, 3, 1), "1500.00"))
    assert cases.with_task(case, older).statement == case.statement
    case = cases.with_request(case, LOAN.request("300.00", day=6))
    case = cases.with_request(case, LOAN.request("999.00", day=2))  # an older notice, late
    assert (case.overdue_amount, case.account_masked) == (Decimal("300.00"), "****5678")


def test_a_promise_is_made_once_and_never_reopened() -> None:
    made = cases.promise_made(None, LOAN.promise())
    assert made is not None
    assert made.state == "open"
    broken = cases.promise_resolved(made, LOAN.resolved("broken"))
    assert (broken.state, broken.made_at) == ("broken", made.made_at)
    assert cases.promise_made(broken, LOAN.promise()) is None
    resolved_first = cases.promise_resolved(None, LOAN.resolved("kept"))
    assert resolved_first.state == "kept"


def test_a_contact_keeps_no_code() -> None:
    event = LOAN.interaction(verification_code="ABCD2345", reason="sent")
    contact = cases.contact_of(event)
    assert "ABCD2345" not in contact.model_dump_json()
    assert (contact.kind, contact.loan_id) == ("message_sent", LOAN.loan_id)
