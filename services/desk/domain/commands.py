"""An agent's action on a case, and the command that carries it to the scheduler.

The command is an :class:`~shared.events.ApplyCaseAction` with ``origin`` "agent": the
scheduler tracks a promise, holds escalation and opens a task for a request, a dispute or a
complaint, exactly as for a call's disposition. Its id derives from the agent's own
idempotency key (``action_id``), so a request sent twice is one command, applied once. What the
agent noted stays in the desk: the command carries no free text.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.desk.domain.model import AgentAction, Case, Note
from services.desk.domain.tasks import TransitionRefused
from shared.dunwell_events import AGREED, CaseAction
from shared.eventbase import Identifier, Money
from shared.events import ApplyCaseAction, derived_event_id


class ActionRequest(BaseModel):
    """What an agent asks the desk to record (the API's body)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The agent's idempotency key: the same key is the same action.
    action_id: Identifier
    action: CaseAction
    promised_amount: Money | None = None
    promised_by: date | None = None
    requested_until: date | None = None
    visit_on: date | None = None
    note: Note | None = None


def command_id(loan_id: str, action_id: str) -> str:
    return derived_event_id("desk", "action", loan_id, action_id)


def take_down(
    case: Case, request: ActionRequest, *, actor: str, at: datetime, today: date
) -> AgentAction:
    """The action as the desk keeps it, checked against the case.

    :raises TransitionRefused: a written-off or closed loan, a promise without its terms or
        for a day already past, a date asked for that is past.
    """
    if case.terminal is not None:
        raise TransitionRefused(f"the loan is {case.terminal.replace('_', ' ')}")
    if request.action == "promise_to_pay":
        if request.promised_amount is None or request.promised_by is None:
            raise TransitionRefused("a promise needs promised_amount and promised_by")
        if request.promised_amount <= Decimal(0):
            raise TransitionRefused("a promise is for an amount above zero")
    if request.action in AGREED and request.requested_until is None:
        raise TransitionRefused("an agreement needs requested_until, the day it holds until")
    for day in (request.promised_by, request.requested_until, request.visit_on):
        if day is not None and day < today:
            raise TransitionRefused("a date asked for is already past")
    return AgentAction(
        action_id=command_id(case.loan_id, request.action_id),
        loan_id=case.loan_id,
        debtor_id=case.debtor_id,
        action=request.action,
        actor=actor,
        at=at,
        promised_amount=request.promised_amount,
        currency=case.currency or (case.statement.currency if case.statement else None),
        promised_by=request.promised_by,
        requested_until=request.requested_until,
        visit_on=request.visit_on,
        note=request.note,
    )


def command(action: AgentAction) -> ApplyCaseAction:
    """The scheduler's command for ``action`` (its actor, never its note)."""
    return ApplyCaseAction(
        event_id=action.action_id,
        occurred_at=action.at,
        debtor_id=action.debtor_id,
        loan_id=action.loan_id,
        action=action.action,
        origin="agent",
        origin_id=action.action_id,
        actor=action.actor,
        promised_amount=action.promised_amount,
        currency=action.currency if action.promised_amount is not None else None,
        promised_by=action.promised_by,
        requested_until=action.requested_until,
        visit_on=action.visit_on,
    )
