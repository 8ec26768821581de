"""Events of a loan's case beyond messages: call steps and their calls, disputes and complaints
that hold collection until they are resolved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shared.dunwell_events import CaseAction, DebtStatement
from shared.eventbase import Event, Identifier

#: What a call step calls about (the notifier's pre-call gate takes the same purposes).
CallTaskPurpose = Literal["collection", "reminder", "callback"]
#: A desk team's (or a dialler queue's) name.
QueueName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]


class CallTaskOpened(Event):
    """Scheduler: a strategy's call step is due: an agent team or a dialler queue should call
    the borrower (instead of a message). The call is asked for at the pre-call gate with this
    event's id as its task id, and the call's outcome closes the task."""

    type: Literal["dunwell.task.call-opened.v1"] = "dunwell.task.call-opened.v1"
    loan_id: Identifier
    debtor_id: Identifier
    episode: int = Field(ge=1)
    step: Identifier
    purpose: CallTaskPurpose
    queue: QueueName
    #: The step's SLA: the call is made by close of business of this business day.
    due_by: date
    statement: DebtStatement | None = None

    def partition_key(self) -> str:
        return self.loan_id  # on the tasks topic, as the loan's other tasks


CallStatusReported = Literal[
    "attempted", "connected", "no_answer", "busy", "wrong_number", "third_party"
]


class CallReported(Event):
    """Notifier: a call asked for against a task was made and reported: the task's outcome
    (how it went, who made it, what the borrower agreed or asked for), never the number."""

    type: Literal["dunwell.call.reported.v1"] = "dunwell.call.reported.v1"
    debtor_id: Identifier
    loan_id: Identifier
    task_id: Identifier
    call_id: Identifier
    status: CallStatusReported
    agent_id: Identifier
    started_at: AwareDatetime
    dispositions: tuple[CaseAction, ...] = ()

    def partition_key(self) -> str:
        return self.debtor_id


DisputeCategory = Literal["dispute", "complaint"]
DisputeResolution = Literal["upheld", "rejected"]


class DisputeOpened(Event):
    """Scheduler: the borrower disputes the debt or complains (in a reply, on a call, to an
    agent): collection of this loan stops until the dispute is resolved. On the contact-requests
    topic with the debtor's key, so the notifier reads it before any later request; its id is
    the dispute's id (derived from what opened it: a replay opens the same dispute)."""

    type: Literal["dunwell.dispute.opened.v1"] = "dunwell.dispute.opened.v1"
    loan_id: Identifier
    debtor_id: Identifier
    category: DisputeCategory
    origin: Literal["call", "agent", "reply"]
    #: The reply, call or agent's action it came from.
    origin_id: Identifier
    opened_on: date
    actor: Identifier | None = None

    def partition_key(self) -> str:
        return self.debtor_id


class ResolveDispute(Event):
    """Command to the scheduler (from the desk): a supervisor or compliance officer resolved a
    dispute; collection of the loan may resume. Keyed by debtor like the other case actions."""

    type: Literal["dunwell.case.resolve-dispute.v1"] = "dunwell.case.resolve-dispute.v1"
    dispute_id: Identifier
    loan_id: Identifier
    debtor_id: Identifier
    resolution: DisputeResolution
    #: The person who resolved it (their id, never a name).
    resolved_by: Identifier

    def partition_key(self) -> str:
        return self.debtor_id


class DisputeResolved(Event):
    """Scheduler: a dispute was resolved and its hold released (the evidence log keeps who
    resolved it and how); on the contact-requests topic, keyed by debtor."""

    type: Literal["dunwell.dispute.resolved.v1"] = "dunwell.dispute.resolved.v1"
    dispute_id: Identifier
    loan_id: Identifier
    debtor_id: Identifier
    category: DisputeCategory
    resolution: DisputeResolution
    resolved_by: Identifier

    def partition_key(self) -> str:
        return self.debtor_id
