"""Field visits at the desk (pure): proposed by the scheduler, confirmed only once their notice
was delivered (then, and only then, a task for the field team), undelivered (a person
re-proposes or escalates), cancelled (rescheduled, cured, written off, closed), and done with
the outcome the field agent recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.desk.domain.model import Action, Contact, Outcome, Task
from shared.errors import ServiceError
from shared.eventbase import Identifier
from shared.events import (
    AgentTaskOpened,
    DebtStatement,
    InteractionRecorded,
    PlanInstalment,
    VisitCancelled,
    VisitOutcomeRecorded,
    VisitProposed,
    VisitSlot,
    derived_event_id,
)
from shared.visit_events import VisitOutcome

VisitState = Literal["proposed", "confirmed", "undelivered", "cancelled", "done"]
Delivery = Literal["delivered", "failed"]
#: Provider receipts' statuses (Aliyun ``delivered``/``failed``, Tencent ``success``/``fail``,
#: Twilio ``delivered``/``undelivered``/``failed``, WeChat ``success``/``failed:…``), lowercased.
_DELIVERED = ("delivered", "success", "read")
_FAILED = ("failed", "fail", "undelivered", "rejected", "expired")
#: A notice that will never arrive: the gate stopped it, the provider refused it, it was
#: withdrawn before it went out.
_NEVER_SENT = ("send_blocked", "send_failed", "send_withdrawn")
VisitNote = Annotated[str, StringConstraints(max_length=1000)]
#: What tells a notice's fate: the interaction, or the contact the desk kept of it.
Fate = InteractionRecorded | Contact


class OutcomeBody(BaseModel):
    """The field agent's outcome (the API's body)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: The agent's idempotency key: the same key is the same record.
    outcome_id: Identifier
    outcome: VisitOutcome
    note: VisitNote | None = None


class RescheduleBody(BaseModel):
    """A new slot asked for (the API's body)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    action_id: Identifier
    #: The day agreed with the borrower (the scheduler takes the next business day from it);
    #: none: the business day after the current slot.
    on: date | None = None


class VisitRefused(ServiceError):
    """The visit cannot do that from where it is (HTTP 409; no personal data in the reason)."""


class Visit(BaseModel):
    """One proposed slot of a loan's field visit and what became of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    visit_id: Identifier
    loan_id: Identifier
    debtor_id: Identifier
    episode: int = Field(ge=1)
    sequence: int = Field(ge=1)
    replaces: Identifier | None = None
    origin: str
    slot: VisitSlot
    notice_id: Identifier
    statement: DebtStatement
    proposed_plan: tuple[PlanInstalment, ...] = ()
    state: VisitState = "proposed"
    proposed_at: AwareDatetime
    #: When the notice's delivery was reported (the visit is confirmed from then on).
    confirmed_at: AwareDatetime | None = None
    #: Why the notice did not arrive, or on which channel it did.
    notice_result: Annotated[str, StringConstraints(max_length=200)] | None = None
    cancel_reason: str | None = None
    #: The message telling the borrower it is off (a cure), when there is one.
    cancel_notice_id: Identifier | None = None
    outcome: VisitOutcome | None = None
    outcome_note: VisitNote | None = None
    outcome_by: Identifier | None = None
    outcome_at: AwareDatetime | None = None
    outcome_id: Identifier | None = None
    version: int = 0

    @property
    def task_id(self) -> str:
        """The field team's task, opened once the notice was delivered."""
        return derived_event_id(self.visit_id, "visit-task")

    @property
    def follow_up_id(self) -> str:
        """The task asking a person to re-propose when the notice did not arrive."""
        return derived_event_id(self.visit_id, "visit-undelivered")

    def local_day(self) -> date:
        return self.slot.starts_at.astimezone(ZoneInfo(self.slot.time_zone)).date()


def proposed(event: VisitProposed) -> Visit:
    return Visit(
        visit_id=event.slot.visit_id,
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        episode=event.episode,
        sequence=event.sequence,
        replaces=event.replaces,
        origin=event.origin,
        slot=event.slot,
        notice_id=event.notice_id,
        statement=event.statement,
        proposed_plan=event.proposed_plan,
        proposed_at=event.occurred_at,
    )


def delivery(event: InteractionRecorded | Contact) -> Delivery | None:
    """What an interaction says of a notice's delivery, or None (sent, queued: not yet known)."""
    if event.kind in _NEVER_SENT:
        return "failed"
    if event.kind != "delivery_reported" or event.reason is None:
        return None
    status = event.reason.strip().lower()
    if status.startswith(_FAILED):
        return "failed"
    return "delivered" if status.startswith(_DELIVERED) else None


def on_notice(visit: Visit, result: Delivery, event: Fate) -> Visit | None:
    """The visit after its notice's fate: confirmed when delivered (on any channel, even after
    another failed), undelivered when it did not arrive; None when nothing changes."""
    if result == "delivered" and visit.state in ("proposed", "undelivered"):
        return visit.model_copy(
            update={
                "state": "confirmed",
                "confirmed_at": event.occurred_at
                if isinstance(event, InteractionRecorded)
                else event.at,
                "notice_result": f"delivered by {event.channel}",
            }
        )
    if result == "failed" and visit.state == "proposed":
        why = f"{event.kind} on {event.channel}"
        return visit.model_copy(update={"state": "undelivered", "notice_result": why})
    return None


def cancelled(visit: Visit, event: VisitCancelled) -> Visit | None:
    """The visit called off; one already done (or off) stays as it is."""
    if visit.state in ("done", "cancelled"):
        return None
    return visit.model_copy(
        update={
            "state": "cancelled",
            "cancel_reason": event.reason,
            "cancel_notice_id": event.notice_id,
        }
    )


def done(
    visit: Visit, *, outcome: VisitOutcome, note: str | None, by: str, at: datetime, key: str
) -> Visit:
    """The field agent's outcome; only a confirmed visit can have one, and only once (the same
    ``key`` again is the same record)."""
    if visit.state == "done" and visit.outcome_id == key:
        return visit
    if visit.state != "confirmed":
        raise VisitRefused(f"only a confirmed visit has an outcome; this one is {visit.state}")
    return visit.model_copy(
        update={
            "state": "done",
            "outcome": outcome,
            "outcome_note": note,
            "outcome_by": by,
            "outcome_at": at,
            "outcome_id": key,
        }
    )


def visit_task(visit: Visit, at: datetime, *, undelivered: bool = False) -> AgentTaskOpened:
    """The task the desk opens for a visit, in the shape the scheduler's tasks have: the field
    team's visit once confirmed, or a person's follow-up when the notice did not arrive."""
    return AgentTaskOpened(
        event_id=visit.follow_up_id if undelivered else visit.task_id,
        occurred_at=at,
        loan_id=visit.loan_id,
        debtor_id=visit.debtor_id,
        kind="visit_undelivered" if undelivered else "field_visit",
        episode=visit.episode,
        due_by=visit.local_day(),
        statement=visit.statement,
        proposed_plan=visit.proposed_plan,
        appointment=visit.local_day(),
        place=visit.slot.place["zh-CN"],
    )


#: The task's outcome for each visit outcome.
TASK_OUTCOMES: dict[VisitOutcome, Outcome] = {
    "met": "visited",
    "not_at_home": "unreachable",
    "refused": "refused",
    "other": "contacted",
}


def outcome_record(visit: Visit) -> VisitOutcomeRecorded:
    """The evidence of a done visit (what, who, when, where)."""
    if visit.outcome is None or visit.outcome_by is None or visit.outcome_id is None:
        raise VisitRefused("the visit has no outcome yet")
    return VisitOutcomeRecorded(
        event_id=derived_event_id(visit.visit_id, "outcome", visit.outcome_id),
        occurred_at=visit.outcome_at or visit.proposed_at,
        loan_id=visit.loan_id,
        debtor_id=visit.debtor_id,
        episode=visit.episode,
        visit_id=visit.visit_id,
        outcome_id=visit.outcome_id,
        outcome=visit.outcome,
        note=visit.outcome_note,
        actor=visit.outcome_by,
        slot=visit.slot,
    )


def finished_task(task: Task, visit: Visit) -> Task:
    """The field task done with the visit's outcome, by the agent who recorded it."""
    if visit.outcome is None or visit.outcome_by is None:
        raise VisitRefused("the visit has no outcome yet")
    outcome = TASK_OUTCOMES[visit.outcome]
    at = visit.outcome_at or visit.proposed_at
    return task.model_copy(
        update={
            "status": "done",
            "outcome": outcome,
            "note": (visit.outcome_note or "")[:500] or None,
            "finished_at": at,
            "actions": (
                *task.actions,
                Action(at=at, by=visit.outcome_by, what="done", detail=outcome),
            ),
        }
    )
