"""An agent's action, checked against the case, and the command the scheduler gets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.desk.domain import cases
from services.desk.domain.commands import ActionRequest, command, command_id, take_down
from services.desk.domain.tasks import TransitionRefused
from tests.support.desk import OPENED, Loan

LOAN = Loan()
CASE = cases.with_request(
    cases.case_for(None, LOAN.loan_id, LOAN.debtor_id), LOAN.request("300.00")
)
TODAY = date(2026, 3, 4)


def request(**fields: object) -> ActionRequest:
    return ActionRequest.model_validate({"action_id": "a-1", **fields})


def test_a_promise_becomes_a_command_with_its_actor_and_no_note() -> None:
    wanted = request(
        action="promise_to_pay",
        promised_amount="500.00",
        promised_by="2026-03-10",
        note="will pay after payday",
    )
    action = take_down(CASE, wanted, actor="agent-7", at=OPENED, today=TODAY)
    sent = command(action)
    assert sent.event_id == action.action_id == command_id(LOAN.loan_id, "a-1")
    assert (sent.origin, sent.origin_id, sent.actor) == ("agent", action.action_id, "agent-7")
    assert (sent.promised_amount, sent.currency, sent.promised_by) == (
        Decimal("500.00"),
        "CNY",
        date(2026, 3, 10),
    )
    assert "payday" not in sent.model_dump_json()
    assert action.note == "will pay after payday"


def test_the_same_key_is_the_same_command_and_another_loan_another() -> None:
    assert command_id(LOAN.loan_id, "a-1") == command_id(LOAN.loan_id, "a-1")
    assert command_id(LOAN.loan_id, "a-1") != command_id(Loan().loan_id, "a-1")


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"action": "promise_to_pay", "promised_amount": "5"}, "needs"),
        (
            {"action": "promise_to_pay", "promised_amount": "0", "promised_by": "2026-03-10"},
            "above",
        ),
        ({"action": "promise_to_pay", "promised_amount": "5", "promised_by": "2026-03-01"}, "past"),
        ({"action": "extension_request", "requested_until": "2026-02-01"}, "past"),
        ({"action": "plan_agreed"}, "needs requested_until"),
        ({"action": "extension_agreed", "requested_until": "2026-02-01"}, "past"),
    ],
)
def test_an_action_that_cannot_hold_is_refused(fields: dict[str, object], why: str) -> None:
    with pytest.raises(TransitionRefused, match=why):
        take_down(CASE, request(**fields), actor="agent-7", at=OPENED, today=TODAY)


def test_nothing_is_taken_down_on_a_written_off_loan() -> None:
    gone = cases.with_withdrawal(CASE, LOAN.withdrawn("written_off"))
    with pytest.raises(TransitionRefused, match="written off"):
        take_down(gone, request(action="dispute"), actor="agent-7", at=OPENED, today=TODAY)


def test_a_dispute_needs_no_terms() -> None:
    sent = command(take_down(CASE, request(action="dispute"), actor="a", at=OPENED, today=TODAY))
    assert (sent.action, sent.promised_amount, sent.currency) == ("dispute", None, None)
