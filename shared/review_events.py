"""The desk's review decisions: a person's verdict on a send that asked for one, as a command."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field, StringConstraints, model_validator

from shared.eventbase import Channel, Event, Identifier

#: Which review queue a send is in: the gate escalated it, its delivery is uncertain, or it was
#: blocked for a cause that can be fixed (see the desk's ``domain/review.py``).
ReviewQueue = Literal["escalated", "uncertain", "blocked"]
ReviewVerdict = Literal[
    "approve",  # escalated: send it through the gate again, the escalation lifted
    "reject",  # escalated: never send it
    "confirm_delivered",  # uncertain: it reached the borrower; settle it sent, register its code
    "confirm_not_delivered",  # uncertain: it did not; a new attempt goes through the gate
    "redrive",  # blocked: the cause was fixed; a new attempt goes through the gate
]
#: The verdicts each queue takes.
VERDICTS: Final[dict[str, tuple[str, ...]]] = {
    "escalated": ("approve", "reject"),
    "uncertain": ("confirm_delivered", "confirm_not_delivered"),
    "blocked": ("redrive",),
}


class ApplyReviewDecision(Event):
    """Command to the notifier: act on a person's decision about one (request, channel) send.

    The id derives from the review item and the person's idempotency key, so a repeat is the
    same command, applied once. A new attempt's request id derives from the original request
    and this command's id: never a blind resend of the old send.
    """

    type: Literal["dunwell.review.apply-decision.v1"] = "dunwell.review.apply-decision.v1"
    debtor_id: Identifier
    loan_id: Identifier
    request_id: Identifier
    channel: Channel
    queue: ReviewQueue
    decision: ReviewVerdict
    #: Who decided (the subject of their token).
    actor: Identifier
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    #: What the person affirms in approving an escalated send (required then).
    attestation: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None
    #: The escalating rules the person reviewed: an approval lifts these and no others.
    rules: tuple[Annotated[str, StringConstraints(max_length=64)], ...] = Field(
        default=(), max_length=32
    )

    @model_validator(mode="after")
    def _fits_its_queue(self) -> ApplyReviewDecision:
        if self.decision not in VERDICTS[self.queue]:
            raise ValueError(f"{self.decision} is not a decision on the {self.queue} queue")
        if self.decision == "approve" and self.attestation is None:
            raise ValueError("an approval carries the attestation the person affirms")
        return self

    def partition_key(self) -> str:
        return self.debtor_id
