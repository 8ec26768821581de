"""Events Dunwell's own services publish: contact requests, interactions, tasks, replies."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.eventbase import Channel, ContactChannel, Currency, Event, Identifier, Money
from shared.visit_slot import VisitSlot


class ContactRequested(Event):
    """Scheduler: a collection message is due for a debtor (no contact details, only references)."""

    type: Literal["dunwell.contact.requested.v1"] = "dunwell.contact.requested.v1"
    loan_id: Identifier
    debtor_id: Identifier
    episode: int = Field(ge=1)
    step: Identifier
    template_id: Identifier
    channels: tuple[Channel, ...] = Field(min_length=1)
    account_masked: Annotated[str, StringConstraints(pattern=r"^\*{4}\d{4}$")]
    amount_due: Money
    currency: Currency
    due_date: date
    days_past_due: int = Field(ge=0)
    pay_by: date
    purpose: Literal["overdue_notice", "pre_due_reminder", "visit_notice", "visit_cancellation"] = (
        "overdue_notice"
    )
    appointment: date | None = None
    place: Annotated[str, StringConstraints(max_length=300)] | None = None
    #: A visit notice's (or cancellation's) slot: time and branch, the place in each language.
    visit: VisitSlot | None = None

    def partition_key(self) -> str:
        return self.debtor_id


WithdrawalReason = Literal[
    "cured",  # the arrears were paid: the episode ended
    "written_off",  # the loan was written off
    "closed",  # the loan was closed
    "paused",  # an agreed pause (delinquency paused) holds collection
    "held",  # an open promise to pay or a borrower's request holds escalation
    "amount_changed",  # a payment or charge changed what is owed: the figures are stale
]


class ContactWithdrawn(Event):
    """Scheduler: contact requests already published for a loan must not go out any more.

    Published on the contact-requests topic with the requests' key (the debtor), so the notifier
    reads it after every request it withdraws: each request of this loan and episode (or an
    earlier episode) that the notifier received before this event and has not yet sent is
    withdrawn, recorded, never sent. Requests published later are not affected.
    """

    type: Literal["dunwell.contact.withdrawn.v1"] = "dunwell.contact.withdrawn.v1"
    loan_id: Identifier
    debtor_id: Identifier
    episode: int = Field(ge=1)
    reason: WithdrawalReason

    def partition_key(self) -> str:
        return self.debtor_id


InteractionKind = Literal[
    "message_sent",  # the provider accepted the message
    "send_blocked",  # the compliance gate or a missing contact point stopped it
    "send_uncertain",  # a previous attempt may have reached the provider; not resent
    "send_not_sent",  # an uncertain send its provider, asked later, does not have: never went
    "send_failed",  # the provider refused it for good
    "send_deferred",  # the compliance gate put it off until a permitted time
    "send_escalated",  # the compliance gate wants a human to review it
    "delivery_reported",  # the provider reported delivery (or its failure)
    "reply_received",  # the borrower replied (opt-out, plan request, dispute, promise)
    "send_withdrawn",  # no longer true or wanted when it was due to go out; never sent
    "send_held",  # waiting for something it needs (a contact point not yet known)
    "call_made",  # a dialler or agent made a call the gate allowed, and reported how it went
    "call_refused",  # the pre-call gate deferred, blocked or escalated a dial it was asked about
    "review_decided",  # a person decided a send in a review queue (``actor``, ``reason``)
]


class InteractionRecorded(Event):
    """Notifier: something happened between Dunwell and a borrower; evidence for the audit log."""

    type: Literal["dunwell.interaction.recorded.v1"] = "dunwell.interaction.recorded.v1"
    debtor_id: Identifier
    loan_id: Identifier | None = None
    request_id: Identifier | None = None
    channel: ContactChannel
    kind: InteractionKind
    provider: Identifier | None = None
    provider_message_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    verification_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{8}$")] | None = None
    #: What the borrower saw of the account, so the verification page can show it.
    account_masked: Annotated[str, StringConstraints(pattern=r"^\*{4}\d{4}$")] | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None
    #: The compliance gate's decision: pack ``id@version#hash``, rules that fired, deferral time.
    policy_pack: Annotated[str, StringConstraints(max_length=200)] | None = None
    rules: tuple[Annotated[str, StringConstraints(max_length=64)], ...] = ()
    deferred_until: AwareDatetime | None = None
    #: SHA-256 of the rendered message, so the evidence proves what was sent without holding it.
    content_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    template: Annotated[str, StringConstraints(max_length=100)] | None = None
    #: The person who decided (a review decision), by their id; never a name.
    actor: Identifier | None = None
    #: What that person affirmed when approving an escalated send.
    attestation: Annotated[str, StringConstraints(max_length=1000)] | None = None

    def partition_key(self) -> str:
        return self.debtor_id


class DebtStatement(BaseModel):
    """What is owed, itemised: what a borrower and an agent need to talk about the same number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    currency: Currency
    principal: Money
    interest: Money
    fees: Money
    penalties: Money
    paid: Money
    total_outstanding: Money
    days_past_due: int = Field(ge=0)


class PlanInstalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    due_date: date
    amount: Money


class _LoanOutput(Event):
    loan_id: Identifier
    debtor_id: Identifier

    def partition_key(self) -> str:
        return self.loan_id


class DelinquencyRangeChanged(_LoanOutput):
    """Scheduler: a loan moved into another delinquency range (or out of delinquency)."""

    type: Literal["dunwell.delinquency.range-changed.v1"] = "dunwell.delinquency.range-changed.v1"
    episode: int = Field(ge=1)
    from_range: Identifier | None
    to_range: Identifier | None
    days_past_due: int = Field(ge=0)
    as_of: date


TaskKind = Literal[
    "extension_request",
    "instalment_request",
    "dispute",
    "field_visit",
    "promise_broken",
    "complaint",  # the borrower complained: handled by the complaints process
    "already_paid",  # the borrower says it is paid: find the payment
    "visit_reschedule",  # the borrower asked to move a field visit
    "wrong_party",  # the person reached is not the borrower: find the right contact
    "reply_review",  # a reply an agent should read (no loan known, or not understood)
    "visit_unplaced",  # a field visit is due but no branch of the bank's list serves the loan
    "visit_undelivered",  # a visit's notice did not reach the borrower: re-propose or escalate
]


class AgentTaskOpened(_LoanOutput):
    """Scheduler: an agent must act (a borrower's request, a broken promise, a field visit)."""

    type: Literal["dunwell.task.opened.v1"] = "dunwell.task.opened.v1"
    kind: TaskKind
    episode: int = Field(ge=1)
    due_by: date
    statement: DebtStatement | None = None
    proposed_plan: tuple[PlanInstalment, ...] = ()
    appointment: date | None = None
    place: Annotated[str, StringConstraints(max_length=300)] | None = None


class DebtorTaskOpened(Event):
    """Scheduler: an agent must look at a debtor's words where no loan is known to them (a
    reply from a borrower Dunwell has sent nothing to): kept, routed by debtor, never dropped."""

    type: Literal["dunwell.task.debtor-opened.v1"] = "dunwell.task.debtor-opened.v1"
    debtor_id: Identifier
    kind: Literal["reply_review"] = "reply_review"
    #: The reply (or other input) the task is about.
    source_id: Identifier
    channel: ContactChannel
    intent: Identifier
    due_by: date

    def partition_key(self) -> str:
        return self.debtor_id


class PromiseToPayResolved(_LoanOutput):
    """Scheduler: a promise to pay fell due and was kept or broken."""

    type: Literal["dunwell.promise.resolved.v1"] = "dunwell.promise.resolved.v1"
    promised_amount: Money
    promised_by: date
    outcome: Literal["kept", "broken"]


ReplyIntent = Literal[
    "opt_out",
    "extension_request",
    "instalment_request",
    "dispute",
    "promise_to_pay",
    "complaint",
    "already_paid",
    "reschedule",
    "wrong_party",
    "stop_calling",
    "acknowledgement",  # nothing but "收到", "好的", "thanks": nothing to do
    "other",  # not understood: a person reads it
]


class BorrowerReplied(Event):
    """Notifier: a borrower answered (SMS, WeChat, email), classified, with the words (evidence)."""

    type: Literal["dunwell.reply.received.v1"] = "dunwell.reply.received.v1"
    debtor_id: Identifier
    loan_id: Identifier | None = None
    channel: Channel
    intent: ReplyIntent
    promised_amount: Money | None = None
    promised_by: date | None = None
    text: Annotated[str, StringConstraints(max_length=2000)] | None = None

    def partition_key(self) -> str:
        return self.debtor_id


CaseAction = Literal[
    "promise_to_pay",  # to pay ``promised_amount`` by ``promised_by``: tracked as kept or broken
    "extension_request",  # more time asked for (``requested_until`` when a date was named)
    "instalment_request",  # a repayment plan asked for
    "extension_agreed",  # more time agreed with the borrower, until ``requested_until``
    "plan_agreed",  # a repayment plan agreed, escalation held until ``requested_until``
    "dispute",  # the debt (or part of it) is disputed
    "complaint",  # a complaint about the bank or the collection
    "already_paid",  # the borrower says it is paid
    "reschedule_visit",  # a field visit to move (to ``visit_on`` when a date was named)
    "wrong_party",  # the person reached is not the borrower
    "stop_calling",  # no more calls (the notifier keeps it as a voice opt-out)
]
AGREED: Final = frozenset({"extension_agreed", "plan_agreed"})  # held to the day, no task


class ApplyCaseAction(Event):
    """Command to the scheduler: apply what a borrower agreed or asked for to the loan's case.

    Sent by the notifier for a call's dispositions (``origin`` "call", ``origin_id`` the call)
    and, with the same shape, by the desk for an agent's actions (``origin`` "agent"). Keyed by
    debtor like the notifier's other topics; the scheduler re-keys it by loan. The id derives
    from the origin, so a repeat is the same command and is applied once.
    """

    type: Literal["dunwell.case.apply-action.v1"] = "dunwell.case.apply-action.v1"
    debtor_id: Identifier
    loan_id: Identifier
    action: CaseAction
    origin: Literal["call", "agent", "reply"]
    origin_id: Identifier
    #: Who took it down (an agent's id); never the borrower's name.
    actor: Identifier | None = None
    channel: ContactChannel | None = None
    promised_amount: Money | None = None
    currency: Currency | None = None
    promised_by: date | None = None
    requested_until: date | None = None
    visit_on: date | None = None

    @model_validator(mode="after")
    def _promise_has_terms(self) -> ApplyCaseAction:
        if self.action == "promise_to_pay" and (
            self.promised_amount is None or self.promised_by is None
        ):
            raise ValueError("a promise to pay needs promised_amount and promised_by")
        if self.action in AGREED and self.requested_until is None:
            raise ValueError(f"{self.action} needs requested_until (the day it holds until)")
        return self

    def partition_key(self) -> str:
        return self.debtor_id
