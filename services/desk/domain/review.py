"""Human review queues: sends that ask a person, and the decisions people take on them. Pure.

From the notifier's interactions the desk keeps one item per send that a person must decide:

- **escalated** (``send_escalated``): the gate handed it to a compliance officer, who approves
  it with an attestation (it goes through the gate again, that escalation lifted) or rejects it.
- **uncertain** (``send_uncertain``): the provider may have it; an agent or a supervisor
  confirms it delivered (it settles sent, its code is registered) or not delivered (a new
  attempt goes through the gate).
- **blocked** (``send_blocked``) for a cause that can be fixed later, and only then: every
  reason given is one of :data:`FIXABLE` (or a note that blocks nothing). A re-drive sends a
  new attempt through the gate, which may block it again. A block for anything else (an opt-out,
  a recipient who may not be told, the content) is final: nobody may work around it, so it
  never reaches a queue; an unknown reason counts as final (fail closed).

An item is closed by itself when the notifier later settles the send (sent, withdrawn).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.tasks import TransitionRefused
from shared.eventbase import Identifier
from shared.events import (
    ApplyReviewDecision,
    InteractionRecorded,
    ReviewQueue,
    ReviewVerdict,
    derived_event_id,
)
from shared.review_events import VERDICTS

FixableCause = Literal[
    "contact_point_unverified",  # the number or address is verified later
    "consent_missing",  # the borrower's prior consent is obtained later
    "contact_point_provenance",  # a contact point of an allowed origin replaces it
    "no_contact_point",  # core banking sends the contact point later
    "channel_unconfigured",  # the channel is configured later
    "template_missing",  # an approved template (or its locale's text) is published later
    "pack_not_in_force",  # a policy pack in force is published
    "no_permitted_time",  # no window in the gate's horizon (a calendar or caps situation)
]
ItemState = Literal["open", "decided", "closed"]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
Attestation = Annotated[
    str, StringConstraints(min_length=1, max_length=1000, strip_whitespace=True)
]

#: Words of a gate or notifier reason, and the fixable cause they name.
FIXABLE: Final[tuple[tuple[re.Pattern[str], FixableCause], ...]] = (
    (re.compile(r"contact point not verified"), "contact_point_unverified"),
    (re.compile(r"needs prior express consent"), "consent_missing"),
    (re.compile(r"contact point obtained by '"), "contact_point_provenance"),
    (re.compile(r"^no \w+ contact point yet"), "no_contact_point"),
    (re.compile(r"^\w+ is not configured$"), "channel_unconfigured"),
    (
        re.compile(r"^no approved template |has no approved \w+ copy|has no [\w-]+ text$"),
        "template_missing",
    ),
    (re.compile(r"the pack is not in force today"), "pack_not_in_force"),
    (re.compile(r"no permitted time within \d+ days"), "no_permitted_time"),
)
#: Parts of a reason that block nothing (the gate's notes beside its decision).
NOTES: Final = (re.compile(r"calendar has (no|provisional) data for \d{4}"),)
#: Who decides each queue: compliance officers the escalations; agents (of the review team)
#: and supervisors the rest.
DECIDERS: Final[Mapping[ReviewQueue, tuple[str, ...]]] = {
    "escalated": ("compliance",),
    "uncertain": ("agent", "supervisor"),
    "blocked": ("agent", "supervisor"),
}
#: Interaction kinds that open an item, and the queue they open it in.
OPENING: Final[Mapping[str, ReviewQueue]] = {
    "send_escalated": "escalated",
    "send_uncertain": "uncertain",
    "send_blocked": "blocked",
}
#: Interaction kinds that settle a send: its item needs no decision any more
#: (``send_not_sent``: an uncertain send's provider, asked later, has nothing: it never went).
SETTLING: Final = frozenset({"message_sent", "send_withdrawn", "send_failed", "send_not_sent"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Decided(_Frozen):
    """What a person decided on an item."""

    decision_id: Identifier  # the command's event id
    verdict: ReviewVerdict
    actor: Identifier
    reason: Reason
    attestation: Attestation | None = None
    at: AwareDatetime


class ReviewItem(_Frozen):
    """One send waiting for a person (or decided, or settled meanwhile)."""

    item_id: Identifier
    queue: ReviewQueue
    debtor_id: Identifier
    loan_id: Identifier
    request_id: Identifier
    channel: Literal["sms", "email", "wechat"]
    template: str | None = None
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    causes: tuple[FixableCause, ...] = ()
    opened_at: AwareDatetime
    state: ItemState = "open"
    decided: Decided | None = None
    closed_by: str | None = None  # the interaction kind that settled it
    version: int = 0

    def age(self, now: datetime) -> timedelta:
        return max(now - self.opened_at, timedelta(0))


class DecisionRequest(_Frozen):
    """What a person asks the desk to decide (the API's body)."""

    #: The person's idempotency key: the same key is the same decision.
    decision_id: Identifier
    verdict: ReviewVerdict
    reason: Reason
    attestation: Attestation | None = None


def item_id(request_id: str, channel: str) -> str:
    """One item per (request, channel) send, whatever interactions repeat."""
    return derived_event_id("desk", "review", request_id, channel)


def fixable_causes(reason: str | None) -> tuple[FixableCause, ...] | None:
    """The fixable causes of a block, or None when any part of it is final (or unknown)."""
    causes: list[FixableCause] = []
    for part in (p.strip() for p in (reason or "").split(";") if p.strip()):
        text = part.split(": ", 1)[1] if re.match(r"^[\w.-]+: ", part) else part
        if any(note.search(text) for note in NOTES):
            continue
        cause = next((c for pattern, c in FIXABLE if pattern.search(text)), None)
        if cause is None:
            return None
        causes.append(cause)
    return tuple(dict.fromkeys(causes)) or None


def item_of(event: InteractionRecorded) -> ReviewItem | None:
    """The item an interaction opens, or None (not a send asking a person)."""
    queue = OPENING.get(event.kind)
    if queue is None or event.request_id is None or event.loan_id is None:
        return None
    if event.channel == "voice":
        return None
    causes: tuple[FixableCause, ...] = ()
    if queue == "blocked":
        found = fixable_causes(event.reason)
        if found is None:
            return None
        causes = found
    return ReviewItem(
        item_id=item_id(event.request_id, event.channel),
        queue=queue,
        debtor_id=event.debtor_id,
        loan_id=event.loan_id,
        request_id=event.request_id,
        channel=event.channel,
        template=event.template,
        reasons=tuple(p.strip() for p in (event.reason or "").split(";") if p.strip()),
        rules=event.rules,
        causes=causes,
        opened_at=event.occurred_at,
    )


def settled(item: ReviewItem, kind: str) -> ReviewItem | None:
    """The item closed by a settling interaction of its send; None if nothing changes."""
    if item.state != "open" or kind not in SETTLING:
        return None
    return item.model_copy(update={"state": "closed", "closed_by": kind})


def may_decide(person: Person, queue: ReviewQueue, review_team: str) -> bool:
    """Whether ``person`` sees and decides ``queue`` (an agent only in the review team)."""
    if person.role not in DECIDERS[queue]:
        return False
    return person.role != "agent" or person.team == review_team


def check_queue(person: Person, queue: ReviewQueue, review_team: str) -> None:
    if not may_decide(person, queue, review_team):
        who = "compliance officers" if queue == "escalated" else "the review team"
        raise NotAllowed(f"only {who} decide the {queue} queue")


def decide(
    item: ReviewItem, request: DecisionRequest, person: Person, *, at: datetime
) -> tuple[ReviewItem, ApplyReviewDecision]:
    """The item decided, and the notifier's command.

    :raises TransitionRefused: decided or settled already, a verdict this queue does not take,
        an approval without its attestation.
    """
    if item.state != "open":
        raise TransitionRefused(f"the item is {item.state} already")
    if request.verdict not in VERDICTS[item.queue]:
        raise TransitionRefused(f"{request.verdict} is not a decision on the {item.queue} queue")
    if request.verdict == "approve" and request.attestation is None:
        raise TransitionRefused("an approval needs the attestation the person affirms")
    attestation = request.attestation if request.verdict == "approve" else None
    decided = Decided(
        decision_id=decision_id(item.item_id, request.decision_id),
        verdict=request.verdict,
        actor=person.id,
        reason=request.reason,
        attestation=attestation,
        at=at,
    )
    command = ApplyReviewDecision(
        event_id=decided.decision_id,
        occurred_at=at,
        debtor_id=item.debtor_id,
        loan_id=item.loan_id,
        request_id=item.request_id,
        channel=item.channel,
        queue=item.queue,
        decision=request.verdict,
        actor=person.id,
        reason=request.reason,
        attestation=attestation,
        rules=item.rules[:32] if item.queue == "escalated" else (),
    )
    return item.model_copy(update={"state": "decided", "decided": decided}), command


def decision_id(item: str, key: str) -> str:
    return derived_event_id("desk", "review-decision", item, key)
