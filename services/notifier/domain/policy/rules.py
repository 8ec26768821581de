"""Policy rules: every kind of rule a pack may hold, each with its source and verification level."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from services.notifier.domain.policy.scenario import GateChannel, HistoryKind, Role
from shared.calendars import Calendar

Verification = Literal["primary", "secondary", "unverified", "policy", "mixed"]


class PackInvalid(Exception):
    """The pack cannot be used; nothing may be sent under it."""


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]+$")
    sources: list[str] = []
    verification: Verification
    overridable: bool = False
    note: str | None = None


class RecipientRule(_Rule):
    type: Literal["recipient"]
    allowed_roles: list[Role]
    #: Roles that may be contacted only to re-establish contact with a debtor who is lost.
    location_inquiry_roles: list[Role] = []
    allowed_provenance: list[str]
    #: Patterns of debt facts a location inquiry must never contain.
    debt_fact_patterns: list[str] = []
    #: Only contact points the bank has verified reach the person (never a stranger's number).
    require_verified: bool = False


class OptOutRule(_Rule):
    type: Literal["opt_out"]
    #: Reply keywords that opt a borrower out of the channel they came by.
    keywords: dict[GateChannel, list[str]] = {}


class ConsentRequiredRule(_Rule):
    type: Literal["consent_required"]
    channels: list[GateChannel]


class ContactWindowRule(_Rule):
    type: Literal["contact_window"]
    channels: list[GateChannel]
    start: time
    end: time
    start_inclusive: bool = True
    end_inclusive: bool = False
    consent_override: bool = True


class HolidayRule(_Rule):
    """The bank's holiday policy over an operator calendar (``shared/calendars``).

    On a holiday the message cap applies; on the calendar's no-contact days (and the extra
    ``no_contact_dates`` an overlay adds) nothing goes out. On a day the calendar does not know
    for certain (a provisional or missing year), the most restrictive day type applies: the
    holiday cap, and the no-contact days the statutory rules give. It never blocks.
    """

    type: Literal["holiday"]
    #: The calendar's id (``cn``: ``shared/calendars/cn.yaml`` or the calendars directory).
    calendar: str
    no_contact_dates: list[date] = []
    #: Messages per local calendar day on a statutory holiday (None: no extra cap).
    holiday_message_cap: int | None = None
    channels: list[GateChannel] = ["sms", "email", "wechat", "voice"]
    _bound: Calendar | None = PrivateAttr(default=None)

    @property
    def bound(self) -> Calendar:
        """The calendar data this rule reads; bound when the pack is loaded."""
        if self._bound is None:
            raise PackInvalid(f"rule {self.id}: calendar {self.calendar} is not loaded")
        return self._bound

    def bind(self, calendar: Calendar) -> None:
        self._bound = calendar


class CalendarDayWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["calendar_day"]


class RollingWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["rolling"]
    seconds: int = Field(gt=0)


class RollingDaysWindow(BaseModel):
    """N consecutive local calendar days, the day of the counted contact being day 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["rolling_calendar_days"]
    days: int = Field(gt=0)


Window = Annotated[
    CalendarDayWindow | RollingWindow | RollingDaysWindow, Field(discriminator="kind")
]


class FrequencyCapRule(_Rule):
    type: Literal["frequency_cap"]
    #: Channels of the contact being decided that this cap applies to.
    applies_to: list[GateChannel]
    #: Kinds of earlier contact that count, and on which channels (empty: all).
    counts: list[HistoryKind]
    count_channels: list[GateChannel] = []
    scope: Literal["debtor", "debt", "contact_point"]
    window: Window
    max: int = Field(ge=0)
    #: A valid consent on the channel exempts the contact from this cap.
    exempt_with_consent: bool = False


class BlackoutRule(_Rule):
    type: Literal["blackout_after"]
    trigger: HistoryKind
    applies_to: list[GateChannel]
    scope: Literal["debtor", "debt"]
    days: int = Field(gt=0)


class Element(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    patterns: list[str]
    #: Name of a value the notifier knows (e.g. the masked account) the text must contain.
    expected: str | None = None


class ContentRequiredRule(_Rule):
    type: Literal["content_required"]
    channels: list[GateChannel] = ["sms", "email", "wechat"]
    roles: list[Role]
    elements: dict[str, Element]


class ContentBannedRule(_Rule):
    type: Literal["content_banned"]
    terms: dict[str, list[str]]
    patterns: dict[str, list[str]] = {}
    #: Terms allowed only when the legal department attested the reference; otherwise ESCALATE.
    attestation_terms: list[str] = []


class PiiRule(_Rule):
    type: Literal["pii"]
    patterns: dict[str, str]


class LengthRule(_Rule):
    type: Literal["length"]
    channel: GateChannel
    max_segments: int = Field(gt=0)


class DebtHoldRule(_Rule):
    """A dispute or complaint stops collection of that debt until the bank resolves it; the
    bank must answer within ``answer_days`` (calendar days from the day it was opened, rolled
    to a business day: the desk's register keeps the due date)."""

    type: Literal["debt_hold"]
    categories: list[Literal["dispute", "complaint"]] = Field(min_length=1)
    answer_days: dict[Literal["dispute", "complaint"], int] = {}


Rule = Annotated[
    DebtHoldRule
    | RecipientRule
    | OptOutRule
    | ConsentRequiredRule
    | ContactWindowRule
    | HolidayRule
    | FrequencyCapRule
    | BlackoutRule
    | ContentRequiredRule
    | ContentBannedRule
    | PiiRule
    | LengthRule,
    Field(discriminator="type"),
]
