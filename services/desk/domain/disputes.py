"""The register of disputes and complaints (pure): each opened by the scheduler's
``DisputeOpened`` (from a reply, a call's disposition or an agent's action), with the day the
bank's answer is due, open until a supervisor resolves it (upheld or rejected, with a note and
the person's id); the resolution releases the hold on collection.

The answer is due a number of calendar days after the day it was opened, rolled forward to a
business day of the bank's calendar; the days per category come from the market's policy pack
(its ``debt_hold`` rule, which names the sources), e.g. 15 days for the ``cn`` pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.desk.domain.model import Note
from services.desk.domain.tasks import TransitionRefused
from shared.calendars import Calendar
from shared.case_events import DisputeCategory, DisputeResolution
from shared.errors import ConfigurationError
from shared.eventbase import Identifier
from shared.events import DisputeOpened, DisputeResolved

DisputeStatus = Literal["open", "resolved"]
STATUSES: tuple[DisputeStatus, ...] = ("open", "resolved")


class ResolveBody(BaseModel):
    """A supervisor's resolution (the body of ``POST /v1/disputes/{id}/resolve``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resolution: DisputeResolution
    note: Note | None = None


class Dispute(BaseModel):
    """One dispute or complaint in the register (its id is the scheduler's dispute id)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dispute_id: Identifier
    loan_id: Identifier
    debtor_id: Identifier
    category: DisputeCategory
    origin: Literal["call", "agent", "reply"]
    origin_id: Identifier
    opened_on: date
    opened_at: AwareDatetime
    #: The bank's answer is due by the end of this business day.
    answer_due: date
    #: Who took it down, when an agent or a caller did.
    actor: Identifier | None = None
    status: DisputeStatus = "open"
    resolution: DisputeResolution | None = None
    note: Note | None = None
    resolved_by: Identifier | None = None
    resolved_at: AwareDatetime | None = None
    version: int = 0

    def overdue(self, today: date) -> bool:
        """Still unanswered after its due day."""
        return self.status == "open" and today > self.answer_due


@dataclass(frozen=True)
class AnswerPeriods:
    """Calendar days the bank has to answer, per category, and the pack rule they come from."""

    days: Mapping[str, int]
    rule: str

    def due(self, calendar: Calendar, category: str, opened_on: date) -> date:
        return calendar.roll_forward(opened_on + timedelta(days=self.days[category]))


def answer_periods(pack: Mapping[str, Any]) -> AnswerPeriods:
    """The answer periods of a policy pack document (its ``debt_hold`` rule): the desk cannot
    keep a register without them, so a pack without one is refused."""
    for rule in pack.get("rules", []):
        if rule.get("type") == "debt_hold":
            days = {str(k): int(v) for k, v in (rule.get("answer_days") or {}).items()}
            missing = {"dispute", "complaint"} - set(days)
            if missing or any(d < 1 for d in days.values()):
                raise ConfigurationError(
                    f"rule {rule.get('id')}: answer_days needs both categories"
                )
            return AnswerPeriods(days, str(rule.get("id")))
    raise ConfigurationError("the policy pack has no debt_hold rule with answer periods")


def register(event: DisputeOpened, periods: AnswerPeriods, calendar: Calendar) -> Dispute:
    """The register's entry for a dispute just opened."""
    return Dispute(
        dispute_id=event.event_id,
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        category=event.category,
        origin=event.origin,
        origin_id=event.origin_id,
        opened_on=event.opened_on,
        opened_at=event.occurred_at,
        answer_due=periods.due(calendar, event.category, event.opened_on),
        actor=event.actor,
    )


def resolve(
    dispute: Dispute, *, resolution: DisputeResolution, note: Note | None, by: str, at: datetime
) -> Dispute:
    """The dispute resolved by ``by``; one already resolved is not resolved again."""
    if dispute.status != "open":
        raise TransitionRefused("the dispute is resolved already")
    return dispute.model_copy(
        update={
            "status": "resolved",
            "resolution": resolution,
            "note": note,
            "resolved_by": by,
            "resolved_at": at,
        }
    )


def confirmed(dispute: Dispute, event: DisputeResolved) -> Dispute | None:
    """The scheduler's word that the dispute was resolved (and its hold released): the entry
    resolved if it was not yet (a resolution taken down by another desk replica), else None."""
    if dispute.status != "open":
        return None
    return resolve(
        dispute,
        resolution=event.resolution,
        note=None,
        by=event.resolved_by,
        at=event.occurred_at,
    )
