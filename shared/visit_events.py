"""Field visits as the scheduler books them: a proposed slot at a branch, and its cancellation."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.dunwell_events import DebtStatement, PlanInstalment
from shared.eventbase import Event, Identifier
from shared.visit_slot import VisitSlot


class _VisitOutput(Event):
    loan_id: Identifier
    debtor_id: Identifier
    episode: int = Field(ge=1)

    def partition_key(self) -> str:
        return self.loan_id


class VisitProposed(_VisitOutput):
    """Scheduler: a visit slot is proposed and its notice requested (``notice_id``, the contact
    request's id). Not yet a visit: it is confirmed only once that notice was delivered."""

    type: Literal["dunwell.visit.proposed.v1"] = "dunwell.visit.proposed.v1"
    slot: VisitSlot
    notice_id: Identifier
    #: 1 for the first slot of the episode, one more for each reschedule.
    sequence: int = Field(ge=1)
    #: The visit this one moves (a reschedule), if any.
    replaces: Identifier | None = None
    #: Why it moved: the borrower's reply, a call's disposition or an agent's action.
    origin: Literal["strategy", "reply", "call", "agent"] = "strategy"
    #: What the field agent takes along: the itemised statement and the proposed plan.
    statement: DebtStatement
    proposed_plan: tuple[PlanInstalment, ...] = ()


VisitCancelReason = Literal[
    "rescheduled",  # a new slot replaces it
    "cured",  # the arrears were paid
    "written_off",
    "closed",
]


class VisitCancelled(_VisitOutput):
    """Scheduler: a proposed or confirmed visit will not take place; ``notice_id`` is the
    message telling the borrower so (none where a new notice replaces it)."""

    type: Literal["dunwell.visit.cancelled.v1"] = "dunwell.visit.cancelled.v1"
    visit_id: Identifier
    reason: VisitCancelReason
    notice_id: Identifier | None = None


VisitOutcome = Literal["met", "not_at_home", "refused", "other"]


class VisitOutcomeRecorded(_VisitOutput):
    """Desk: what came of a confirmed visit, as the field agent recorded it (``actor``, their
    id; never a name), for the evidence log. Once per visit: the id derives from the visit and
    the agent's record id."""

    type: Literal["dunwell.visit.outcome-recorded.v1"] = "dunwell.visit.outcome-recorded.v1"
    visit_id: Identifier
    outcome_id: Identifier
    outcome: VisitOutcome
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    actor: Identifier
    #: The slot the visit was held in and the branch (what the borrower was told).
    slot: VisitSlot
