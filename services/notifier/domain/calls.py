"""The pre-call gate (pure): what a dialler or agent asks before a dial, what the gate answers.

A call is asked for with the caller's idempotency key; the gate judges it with the same packs
and the same live contact ledger as messages. ALLOW reserves, at once, one dial attempt and one
connected call (the most a dial can turn out to be) against every cap, until the reservation's
expiry; the call's outcome then keeps what happened and drops the rest (:mod:`.call_effects`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.notifier.domain.model import DirectoryEntry, GateFacts
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.scenario import Contact, Decision, Outcome, Scenario
from services.notifier.domain.sends import contact_point_id
from shared.eventbase import Currency, Identifier, Money, derived_event_id
from shared.events import CaseAction

CallPurpose = Literal["collection", "reminder", "callback", "location_inquiry"]
CallStatus = Literal["attempted", "connected", "no_answer", "busy", "wrong_number", "third_party"]
#: A dial someone answered: it counts as a connected call (拨通), whoever picked up.
ANSWERED: Final = frozenset({"connected", "wrong_number", "third_party"})
#: Where a call stands: reserved (allowed, not reported yet), expired (released unused),
#: refused (the gate did not allow it), reported (its outcome is in).
CallState = Literal["reserved", "expired", "refused", "reported"]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
#: How long the gate waits for a debtor's contact details before it asks the caller again.
DETAILS_RECHECK: Final = timedelta(hours=1)
_SPACING = re.compile(r"[\s\-().]")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CallAsk(_Frozen):
    """May I call this number now? (the body of ``POST /v1/calls``)."""

    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    debtor_id: Identifier
    debt_id: Identifier
    number: E164
    #: The bank's unit or the agency that would call.
    sender: Identifier
    agent_id: Identifier
    purpose: CallPurpose = "collection"
    #: The desk's call task this dial is for (a strategy's call step): its outcome closes it.
    task_id: Identifier | None = None

    def sha256(self) -> str:
        # An ask for no task hashes as it did before tasks existed (its repeats still match).
        unset = {"task_id"} if self.task_id is None else None
        return hashlib.sha256(self.model_dump_json(exclude=unset).encode()).hexdigest()


class Disposition(_Frozen):
    """What the borrower agreed or asked for on the call."""

    kind: CaseAction
    amount: Money | None = None
    currency: Currency | None = None
    #: The promise's date, the extension's end, or the visit's new day.
    on: date | None = None

    @model_validator(mode="after")
    def _promise_has_terms(self) -> Disposition:
        if self.kind == "promise_to_pay" and (self.amount is None or self.on is None):
            raise ValueError("a promise to pay needs an amount and a date ('on')")
        return self


class CallReport(_Frozen):
    """How the call went (the body of ``POST /v1/calls/{call_id}/outcome``)."""

    status: CallStatus
    started_at: AwareDatetime
    duration_s: int = Field(ge=0, le=86_400)
    agent_id: Identifier
    summary: Annotated[str, StringConstraints(max_length=500)] = ""
    feedback: Annotated[str, StringConstraints(max_length=500)] = ""
    dispositions: tuple[Disposition, ...] = Field(default=(), max_length=10)

    @model_validator(mode="after")
    def _answered_to_dispose(self) -> CallReport:
        if self.dispositions and self.status not in ANSWERED:
            raise ValueError(f"a '{self.status}' call has no dispositions")
        return self

    def sha256(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def call_id(sender: str, idempotency_key: str) -> str:
    """The call's id: the same for every repeat of one caller's key."""
    return derived_event_id("call", sender, idempotency_key)


def phone_point(number: str) -> str:
    """A phone number's contact-point id: one point for its texts and its calls."""
    return contact_point_id("sms", _SPACING.sub("", number))


@dataclass(frozen=True)
class CallTicket:
    """One ask, ready for the store: what it reserves if it is allowed."""

    call_id: str
    ask: CallAsk
    ask_sha256: str
    point_id: str
    at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, ask: CallAsk, at: datetime, ttl: timedelta) -> CallTicket:
        return cls(
            call_id(ask.sender, ask.idempotency_key),
            ask,
            ask.sha256(),
            phone_point(ask.number),
            at,
            at + ttl,
        )

    @property
    def debtor_id(self) -> str:
        return self.ask.debtor_id

    def reservations(self) -> list[tuple[str, Contact]]:
        """What an allowed call counts at once: a dial attempt and a connected call."""
        return [
            (reservation_key(self.call_id, kind), self._contact(kind))
            for kind in ("call_attempt", "call_connected")
        ]

    def _contact(self, kind: Literal["call_attempt", "call_connected"]) -> Contact:
        return Contact(
            at=self.at,
            channel="voice",
            kind=kind,
            sender=self.ask.sender,
            debt_id=self.ask.debt_id,
            contact_point=self.point_id,
        )


def reservation_key(call: str, kind: str) -> str:
    """The contact log's key of one thing a call counts (``kind``: the contact's kind)."""
    return f"call:{call}|{kind}"


@dataclass(frozen=True)
class CallRecord:
    """A call as the store keeps it: the ask's answer, and later its outcome."""

    call_id: str
    ask: CallAsk
    ask_sha256: str
    point_id: str
    asked_at: datetime
    decision: Decision
    state: CallState
    expires_at: datetime | None = None
    report: CallReport | None = None
    report_sha256: str | None = None

    @property
    def debtor_id(self) -> str:
        return self.ask.debtor_id

    @classmethod
    def decided(cls, ticket: CallTicket, decision: Decision) -> CallRecord:
        """The record of an ask just judged: reserved until its expiry when allowed."""
        allowed = decision.outcome is Outcome.ALLOW
        return cls(
            call_id=ticket.call_id,
            ask=ticket.ask,
            ask_sha256=ticket.ask_sha256,
            point_id=ticket.point_id,
            asked_at=ticket.at,
            decision=decision,
            state="reserved" if allowed else "refused",
            expires_at=ticket.expires_at if allowed else None,
        )


def judge_call(
    packs: Sequence[Pack],
    ask: CallAsk,
    entry: DirectoryEntry | None,
    facts: GateFacts,
    now: datetime,
) -> Decision:
    """The gate's answer for a dial to ``ask.number`` at ``now``: the packs over the debtor's
    live ledger, once the number is known to be the debtor's. A debtor whose details are not
    known yet is asked about again later (a data gap waits; it never allows)."""
    labels = [p.label for p in packs]
    if entry is None:
        return Decision(
            outcome=Outcome.DEFER,
            until=now + DETAILS_RECHECK,
            rules=["CALL-DIRECTORY"],
            reasons=["CALL-DIRECTORY: the debtor's contact details are not known yet"],
            packs=labels,
        )
    point = phone_point(ask.number)
    if entry.mobile is None or phone_point(entry.mobile) != point:
        return Decision(
            outcome=Outcome.BLOCK,
            rules=["CALL-NUMBER"],
            reasons=["CALL-NUMBER: the number is not the debtor's contact point in the directory"],
            packs=labels,
        )
    return evaluate(packs, call_scenario(ask, entry, facts, now, point))


def call_scenario(
    ask: CallAsk, entry: DirectoryEntry, facts: GateFacts, now: datetime, point: str
) -> Scenario:
    """What the gate judges for one dial: the voice channel to the debtor's number."""
    return Scenario(
        now=now,
        channel="voice",
        debtor={"timezones": list(entry.timezones), "state": "reachable"},
        recipient={
            "role": entry.role,
            "provenance": entry.provenance,
            "verified": entry.verified and point not in facts.unusable,
        },
        history=facts.history,
        opt_outs=facts.opt_outs,
        consents=list(entry.consents),
        debt_id=ask.debt_id,
        contact_point=point,
        holds=list(facts.holds),
    )
