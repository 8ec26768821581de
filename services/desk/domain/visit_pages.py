"""What the console shows of field visits and disputes (pure): a visit's state as a person
reads it, its day, hours and place in the page's language, the days the desk proposes for a new
slot, and a dispute's age.

A visit's stored state says less than an agent needs: a proposal whose notice went out but was
not yet delivered is "notice sent", and a cancellation says why (rescheduled, cured, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from services.desk.domain.disputes import Dispute
from services.desk.domain.visits import Visit
from shared.calendars import Calendar
from shared.visit_slot import PlaceLocale

#: How many business days the desk offers for a new slot.
SLOTS_OFFERED: Final = 5
#: The contact kinds that say a visit's notice went out (delivery not yet reported).
SENT_KINDS: Final = ("message_sent", "send_uncertain")


@dataclass(frozen=True)
class VisitRow:
    """One visit as a page shows it."""

    visit_id: str
    loan_id: str
    sequence: int
    #: proposed, notice_sent, confirmed, undelivered, done, or cancelled_<reason>.
    shown_state: str
    day: str
    hours: str
    place: str
    branch_id: str
    workable: bool
    movable: bool


def shown_state(visit: Visit, sent_notices: Iterable[str] = ()) -> str:
    """The state a person reads: the stored one, a sent notice told apart from a proposal, a
    cancellation named by its reason."""
    if visit.state == "cancelled":
        return f"cancelled_{visit.cancel_reason or 'closed'}"
    if visit.state == "proposed" and visit.notice_id in set(sent_notices):
        return "notice_sent"
    return visit.state


def sent_notices(contacts: Iterable[Mapping[str, Any]]) -> set[str]:
    """The contact requests the case's contacts say went out."""
    return {c["request_id"] for c in contacts if c.get("request_id") and c["kind"] in SENT_KINDS}


def place_of(visit: Visit, lang: str) -> str:
    """The place in the page's language (the zh-CN text when the branch list has no other)."""
    chosen: PlaceLocale = "en" if lang == "en" else "zh-CN"
    return visit.slot.place.get(chosen) or visit.slot.place["zh-CN"]


def visit_row(visit: Visit, lang: str, sent: Iterable[str] = ()) -> VisitRow:
    zone = ZoneInfo(visit.slot.time_zone)
    start, end = visit.slot.starts_at.astimezone(zone), visit.slot.ends_at.astimezone(zone)
    return VisitRow(
        visit_id=visit.visit_id,
        loan_id=visit.loan_id,
        sequence=visit.sequence,
        shown_state=shown_state(visit, sent),
        day=start.date().isoformat(),
        hours=f"{start:%H:%M}-{end:%H:%M}",
        place=place_of(visit, lang),
        branch_id=visit.slot.branch_id,
        workable=visit.state == "confirmed",
        movable=visit.state in ("proposed", "confirmed", "undelivered"),
    )


def visit_rows(visits: Iterable[Visit], lang: str, sent: Iterable[str] = ()) -> list[VisitRow]:
    """A loan's visits, the latest proposal first."""
    known = set(sent)
    ordered = sorted(visits, key=lambda v: (v.sequence, v.proposed_at), reverse=True)
    return [visit_row(v, lang, known) for v in ordered]


def offered_days(visit: Visit, today: date, calendar: Calendar) -> list[date]:
    """The business days the desk proposes for a new slot: from the day after the current
    slot (never sooner than tomorrow), as the scheduler would place them."""
    first = max(visit.local_day(), today) + timedelta(days=1)
    days: list[date] = []
    day = calendar.roll_forward(first)
    while len(days) < SLOTS_OFFERED:
        days.append(day)
        day = calendar.roll_forward(day + timedelta(days=1))
    return days


@dataclass(frozen=True)
class DisputeRow:
    """One dispute or complaint as the register and the case page show it."""

    dispute_id: str
    loan_id: str
    category: str
    origin: str
    status: str
    opened_on: str
    age_days: int
    answer_due: str
    overdue: bool
    actor: str | None
    resolution: str | None
    resolved_by: str | None
    note: str | None


def dispute_rows(disputes: Iterable[Dispute], today: date) -> list[DisputeRow]:
    """Disputes as lines, each with its age (calendar days since opened) and whether its
    answer is past due."""
    return [
        DisputeRow(
            dispute_id=d.dispute_id,
            loan_id=d.loan_id,
            category=d.category,
            origin=d.origin,
            status=d.status,
            opened_on=d.opened_on.isoformat(),
            age_days=max((today - d.opened_on).days, 0),
            answer_due=d.answer_due.isoformat(),
            overdue=d.overdue(today),
            actor=d.actor,
            resolution=d.resolution,
            resolved_by=d.resolved_by,
            note=d.note,
        )
        for d in disputes
    ]
