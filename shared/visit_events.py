"""Field visits as the scheduler books them: a proposed slot at a branch, and its cancellation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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
