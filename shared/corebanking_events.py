"""Core banking's events as Dunwell reads them (our JSON; the Fineract adapter maps onto them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.eventbase import Currency, Event, Identifier, Money


class InstalmentFellOverdue(Event):
    """Core banking: an instalment was not paid in full by its due date.

    ``debtor_id`` may be absent where the core system's event names only the loan (Fineract's):
    the scheduler keeps the debtor it knows for the loan, and a loan whose borrower is not yet
    known waits for it (nothing is sent to a debtor Dunwell would have to invent).
    """

    type: Literal["corebanking.loan.instalment-overdue.v1"] = (
        "corebanking.loan.instalment-overdue.v1"
    )
    loan_id: Identifier
    debtor_id: Identifier | None = None
    account_number: Annotated[str, StringConstraints(pattern=r"^\d{6,34}$")]
    product: Identifier
    instalment_number: int = Field(ge=1)
    due_date: date
    amount_due: Money
    currency: Currency
    days_past_due: int = Field(ge=1, le=36500)

    def partition_key(self) -> str:
        return self.loan_id


class ContactConsent(BaseModel):
    """The debtor agreed to contact outside the default rules, with stored evidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Literal["sms", "email", "wechat", "voice"]
    until: AwareDatetime
    evidence: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ContactDetailsChanged(Event):
    """Core banking: a customer's contact points changed (the notifier's directory input)."""

    type: Literal["corebanking.customer.contact-details-changed.v1"] = (
        "corebanking.customer.contact-details-changed.v1"
    )
    debtor_id: Identifier
    email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
        | None
    ) = None
    mobile: Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")] | None = None
    #: The debtor's openid under the bank's official account (never a group or a personal account).
    wechat_openid: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,64}$")] | None = (
        None
    )
    locale: Literal["zh-CN", "en"] = "zh-CN"
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Asia/Shanghai"
    #: Further candidate zones when the location is uncertain (the gate intersects windows).
    other_timezones: tuple[Annotated[str, StringConstraints(max_length=64)], ...] = ()
    #: Whose contact points these are and how the bank obtained them (compliance ref. CN-TP-4).
    role: Literal["debtor", "guarantor", "authorised_agent", "other"] = "debtor"
    provenance: Literal[
        "contract",
        "borrower_provided",
        "borrower_authorised",
        "lawful_public",
        "reserved_contact_person",
        "credit_bureau_authorised",
        #: The details the bank's core system holds for its own customer (taken at onboarding).
        "core_banking",
        "address_book_scrape",
        "purchased_list",
        "unknown",
    ] = "contract"
    consents: tuple[ContactConsent, ...] = ()
    #: Whether the bank has verified that the contact points reach this person.
    verified: bool = True

    def partition_key(self) -> str:
        return self.debtor_id


class ScheduledInstalment(BaseModel):
    """One instalment of a loan's repayment schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    due_date: date
    principal: Money
    interest: Money
    fees: Money = Decimal(0)
    penalties: Money = Decimal(0)


class _LoanEvent(Event):
    loan_id: Identifier
    #: Absent where the source names only the loan: the scheduler keeps the loan's known debtor.
    debtor_id: Identifier | None = None

    def partition_key(self) -> str:
        return self.loan_id


class LoanOpened(_LoanEvent):
    """Core banking: a loan was disbursed with this schedule."""

    type: Literal["corebanking.loan.opened.v1"] = "corebanking.loan.opened.v1"
    #: The borrower: a loan is only ever opened for a known debtor.
    debtor_id: Identifier
    account_number: Annotated[str, StringConstraints(pattern=r"^\d{6,34}$")]
    product: Identifier
    currency: Currency
    principal: Money
    schedule: tuple[ScheduledInstalment, ...] = Field(min_length=1, max_length=600)
    #: Where the borrower is served (the bank's region code for the loan, e.g. an administrative
    #: division): the key a field visit's branch is chosen by. None: no visit can be placed.
    region: Identifier | None = None


class InstalmentDue(_LoanEvent):
    """Core banking: an instalment falls due soon (pre-due courtesy reminder trigger)."""

    type: Literal["corebanking.loan.instalment-due.v1"] = "corebanking.loan.instalment-due.v1"
    instalment_number: int = Field(ge=1)
    due_date: date
    amount_due: Money
    currency: Currency


class RepaymentPosted(_LoanEvent):
    """Core banking: money was received on the loan (allocated oldest instalment first)."""

    type: Literal["corebanking.loan.repayment-posted.v1"] = "corebanking.loan.repayment-posted.v1"
    amount: Money
    value_date: date


class ChargeApplied(_LoanEvent):
    """Core banking: a fee or penalty was charged to an instalment."""

    type: Literal["corebanking.loan.charge-applied.v1"] = "corebanking.loan.charge-applied.v1"
    instalment_number: int = Field(ge=1)
    kind: Literal["fee", "penalty"]
    amount: Money


class LoanRescheduled(_LoanEvent):
    """Core banking: the unpaid schedule was restructured or rescheduled."""

    type: Literal["corebanking.loan.rescheduled.v1"] = "corebanking.loan.rescheduled.v1"
    schedule: tuple[ScheduledInstalment, ...] = Field(min_length=1, max_length=600)


class DelinquencyPaused(_LoanEvent):
    """Core banking: an agreed extension: delinquency ageing pauses from ``start`` to ``end``."""

    type: Literal["corebanking.loan.delinquency-paused.v1"] = (
        "corebanking.loan.delinquency-paused.v1"
    )
    start: date
    end: date | None = None


class DelinquencyResumed(_LoanEvent):
    """Core banking: the pause ended early."""

    type: Literal["corebanking.loan.delinquency-resumed.v1"] = (
        "corebanking.loan.delinquency-resumed.v1"
    )
    on: date


class LoanWrittenOff(_LoanEvent):
    type: Literal["corebanking.loan.written-off.v1"] = "corebanking.loan.written-off.v1"


class LoanClosed(_LoanEvent):
    type: Literal["corebanking.loan.closed.v1"] = "corebanking.loan.closed.v1"


class BusinessDayClosed(Event):
    """Core banking finished its close of business for ``business_date`` (one per partition).

    The scheduler's daily sweep runs on it: days past due advance, due steps fire.
    """

    type: Literal["corebanking.business-day.closed.v1"] = "corebanking.business-day.closed.v1"
    business_date: date

    def partition_key(self) -> str:
        return self.business_date.isoformat()


#: Core banking's events about one loan (keyed by loan id on the loan-events topic).
LoanEvent = (
    LoanOpened
    | InstalmentFellOverdue
    | InstalmentDue
    | RepaymentPosted
    | ChargeApplied
    | LoanRescheduled
    | DelinquencyPaused
    | DelinquencyResumed
    | LoanWrittenOff
    | LoanClosed
)
