"""What the gate decides about, and what it answers. Field names are fixed: compliance officers'
scenario files and the ``dunwell policy evaluate`` command depend on them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

GateChannel = Literal["sms", "email", "wechat", "voice"]
Role = Literal["debtor", "guarantor", "authorised_agent", "other"]
HistoryKind = Literal["message_sent", "call_attempt", "call_connected", "conversation"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Debtor(_Frozen):
    timezones: list[str] = Field(min_length=1)
    state: Literal["reachable", "lost_contact"] = "reachable"


class Recipient(_Frozen):
    role: Role
    provenance: str
    #: The contact point is known to reach this person (optional; assumed when absent).
    verified: bool = True


class Contact(_Frozen):
    """One earlier contact with the debtor, by any sender (bank or agency) and any channel."""

    at: AwareDatetime
    channel: GateChannel
    kind: HistoryKind
    sender: str
    debt_id: str
    #: The contact point used (a hash in the notifier); absent means "same channel".
    contact_point: str | None = None


class Consent(_Frozen):
    channel: GateChannel
    until: AwareDatetime
    evidence: str = Field(min_length=1)


class Hold(_Frozen):
    """A dispute or complaint open on one of the debtor's debts: collection of it stops."""

    dispute_id: str
    debt_id: str
    category: Literal["dispute", "complaint"]


class HoldStore(Protocol):
    """Where the gate's holds are kept (part of the notifier's gate store): each dispute's
    hold, read with the gate's facts for every send and call about its debt."""

    async def open_hold(self, debtor_id: str, hold: Hold, at: datetime) -> bool:
        """Hold the debt; False when the dispute was known already (open, or released: a
        release is never undone by a late or repeated open)."""
        ...

    async def release_hold(self, debtor_id: str, hold: Hold, at: datetime) -> bool:
        """Release the dispute's hold (kept released even if its opening is read later);
        False when it was released already."""
        ...

    async def holds(self, debtor_id: str) -> tuple[Hold, ...]:
        """The debtor's open holds."""
        ...


class Scenario(_Frozen):
    now: AwareDatetime
    channel: GateChannel
    debtor: Debtor
    recipient: Recipient
    history: list[Contact] = []
    opt_outs: list[GateChannel] = []
    consents: list[Consent] = []
    debt_id: str
    text: str | None = None
    contact_point: str | None = None
    #: Values the rendered text must contain (the notifier knows them; the CLI may omit them).
    expected: dict[str, str] = {}
    #: Legal references in the text attested by the legal department (case number verified).
    attested: bool = False
    #: Disputes and complaints open on the debtor's debts (the notifier knows them).
    holds: list[Hold] = []


class Outcome(enum.StrEnum):
    ALLOW = "ALLOW"
    DEFER = "DEFER"
    ESCALATE = "ESCALATE"
    BLOCK = "BLOCK"


SEVERITY = {Outcome.ALLOW: 0, Outcome.DEFER: 1, Outcome.ESCALATE: 2, Outcome.BLOCK: 3}


@dataclass(frozen=True)
class RuleResult:
    """What one rule said about a scenario."""

    rule_id: str
    outcome: Outcome
    reason: str


class Decision(_Frozen):
    outcome: Outcome
    until: datetime | None = None
    rules: list[str] = []
    reasons: list[str] = []
    #: ``id@version#hash`` of every pack that took part.
    packs: list[str] = []

    def public(self) -> dict[str, object]:
        """The decision in the CLI's fixed shape."""
        return {
            "outcome": self.outcome.value,
            "until": self.until.isoformat() if self.until else None,
            "rules": self.rules,
            "reasons": self.reasons,
        }
