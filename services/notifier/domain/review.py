"""A person's decision on a send in a desk review queue, as the notifier acts on it. Pure.

The send's request is kept when it asks a person (escalated, uncertain, blocked), so a decision
can act on it later; a withdrawal by the scheduler, or a later request superseding it, marks it
withdrawn, and a decision then sends nothing (what it said may no longer be true).

A re-drive (an approval, a confirmed non-delivery, a fixed block) is a **new attempt**: a copy of
the request with its own id, derived from the original and the decision, so it has its own
ledger row, idempotency key and verification code, and goes through the gate afresh. The old
send is never resent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from services.notifier.domain.model import SendStatus
from services.notifier.domain.sends import Send
from shared.events import (
    ApplyReviewDecision,
    ContactRequested,
    InteractionRecorded,
    ReviewQueue,
    derived_event_id,
)

#: What the ledger says of a send in each queue while it waits for its decision (None: no
#: ledger row, a send stopped before the gate: no channel, no template, no contact point).
WAITING: Final[Mapping[ReviewQueue, tuple[SendStatus | None, ...]]] = {
    "escalated": (SendStatus.ESCALATED,),
    "uncertain": (SendStatus.UNCERTAIN,),
    # (WITHDRAWN: a send stopped before the gate, withdrawn by its own re-drive.)
    "blocked": (SendStatus.BLOCKED, SendStatus.WITHDRAWN, None),
}
#: The ledger's status of the old send once each verdict is applied (None: left as it was).
SETTLES: Final[Mapping[str, SendStatus | None]] = {
    "approve": None,
    "reject": SendStatus.WITHDRAWN,  # never sent, and no later decision sends it
    "confirm_delivered": SendStatus.SENT,
    "confirm_not_delivered": SendStatus.FAILED,
    "redrive": None,
}
#: Verdicts that send a new attempt through the gate.
REDRIVES: Final = frozenset({"approve", "confirm_not_delivered", "redrive"})


@dataclass(frozen=True)
class KeptSend:
    """A send's request, kept while a person may decide on it."""

    key: str
    debtor_id: str
    loan_id: str
    episode: int
    purpose: str
    request: bytes
    kept_at: datetime
    #: Why it may no longer go (the scheduler withdrew it, a later request superseded it).
    withdrawn: str | None = None


def kept(send: Send, at: datetime) -> KeptSend:
    request = send.request
    return KeptSend(
        key=send.key,
        debtor_id=request.debtor_id,
        loan_id=request.loan_id,
        episode=request.episode,
        purpose=request.purpose,
        request=request.model_dump_json().encode(),
        kept_at=at,
    )


def new_attempt(request: ContactRequested, decision: ApplyReviewDecision) -> ContactRequested:
    """The request again, as a new attempt of its own on the decision's one channel."""
    attempt_id = derived_event_id(request.event_id, "review", decision.event_id)
    return request.model_copy(update={"event_id": attempt_id, "channels": (decision.channel,)})


def refusal(decision: ApplyReviewDecision, status: SendStatus | None) -> str | None:
    """Why the decision cannot act on a send the ledger has at ``status`` (None: it can, or
    it acted already: a replay)."""
    settles = SETTLES[decision.decision]
    if status in WAITING[decision.queue] or (settles is not None and status is settles):
        return None
    shown = status.value if status is not None else "unknown"
    return f"the send is {shown}, not waiting in the {decision.queue} queue"


def decided(decision: ApplyReviewDecision, send: Send, at: datetime) -> InteractionRecorded:
    """The decision as evidence: who, what, why (and what they affirmed), once by its id."""
    attempt = (
        f"; new attempt {new_attempt(send.request, decision).event_id}"
        if decision.decision in REDRIVES
        else ""
    )
    return InteractionRecorded(
        event_id=derived_event_id(decision.event_id, "review-decided"),
        occurred_at=at,
        debtor_id=send.request.debtor_id,
        loan_id=send.request.loan_id,
        request_id=send.request.event_id,
        channel=send.channel,
        kind="review_decided",
        account_masked=send.request.account_masked,
        reason=f"{decision.decision} ({decision.queue}): {decision.reason}{attempt}"[:500],
        rules=decision.rules,
        actor=decision.actor,
        attestation=decision.attestation,
    )
