"""A call an agent records in the console, as the notifier's pre-call gate speaks of it.

The desk asks the gate (``POST /v1/calls``) before the dial and reports the outcome against the
reservation (``POST /v1/calls/{call_id}/outcome``); these are the bodies and the answer, in the
gate's wire format. The number goes to the gate and nowhere else: the desk keeps none.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.dunwell_events import CaseAction
from shared.errors import ServiceError
from shared.eventbase import Currency, Identifier, Money

CallPurpose = Literal["collection", "reminder", "callback", "location_inquiry"]
CallStatus = Literal["attempted", "connected", "no_answer", "busy", "wrong_number", "third_party"]
GateOutcome = Literal["ALLOW", "DEFER", "ESCALATE", "BLOCK"]
CALL_PURPOSES: tuple[CallPurpose, ...] = ("collection", "reminder", "callback", "location_inquiry")
CALL_STATUSES: tuple[CallStatus, ...] = (
    "connected",
    "no_answer",
    "busy",
    "attempted",
    "wrong_number",
    "third_party",
)
ANSWERED = frozenset({"connected", "wrong_number", "third_party"})
E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]


class GateUnavailable(ServiceError):
    """The pre-call gate did not answer, or answered with a server error (HTTP 502)."""


class GateRefused(ServiceError):
    """The gate would not take the request itself (a conflict, a body it refused)."""


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CallAsk(_Wire):
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    debtor_id: Identifier
    debt_id: Identifier
    number: E164
    sender: Identifier
    agent_id: Identifier
    purpose: CallPurpose = "collection"


class GateAnswer(BaseModel):
    """The gate's answer (the fields the console shows)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    call_id: Identifier
    outcome: GateOutcome
    until: AwareDatetime | None = None
    rules: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    reserved_until: AwareDatetime | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == "ALLOW"


class Disposition(_Wire):
    kind: CaseAction
    amount: Money | None = None
    currency: Currency | None = None
    on: date | None = None


class CallReport(_Wire):
    status: CallStatus
    started_at: AwareDatetime
    duration_s: int = Field(ge=0, le=86_400)
    agent_id: Identifier
    summary: Annotated[str, StringConstraints(max_length=500)] = ""
    dispositions: tuple[Disposition, ...] = Field(default=(), max_length=10)
