"""The review queues' use cases: items kept once from interactions, decisions sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.desk.adapters.review_memory import InMemoryReviewStore
from services.desk.domain.access import NotAllowed
from services.desk.domain.review import DecisionRequest, item_id
from services.desk.domain.tasks import TransitionRefused
from services.desk.handlers import review
from shared.events import ApplyReviewDecision
from shared.testing.memory import InMemoryEventPublisher
from tests.support.desk import AGENT, COMPLIANCE, FIELD_AGENT, OPENED, SUPERVISOR, Loan, context

TOPIC = "dunwell.review-decisions.v1"


async def test_an_interaction_seen_twice_keeps_one_item_and_the_queue_is_oldest_first() -> None:
    reviews, loan = InMemoryReviewStore(), Loan()
    ctx = context(reviews=reviews, now=OPENED + timedelta(hours=3))
    later = loan.interaction(
        "send_uncertain", request_id="r-2", occurred_at=OPENED + timedelta(hours=1)
    )
    first = loan.interaction("send_uncertain", request_id="r-1")
    for event in (later, first, later):
        await review.interaction_seen(event, ctx)
    items = await review.queue("uncertain", AGENT, ctx, 10)
    assert [(i["request_id"], i["age_s"]) for i in items] == [("r-1", 10800), ("r-2", 7200)]
    assert await review.overview(AGENT, ctx) == [
        {"queue": "uncertain", "open": 2},
        {"queue": "blocked", "open": 0},
    ]
    assert await review.overview(COMPLIANCE, ctx) == [{"queue": "escalated", "open": 0}]
    with pytest.raises(NotAllowed):
        await review.queue("uncertain", FIELD_AGENT, ctx, 10)


async def test_a_decision_is_sent_once_with_the_persons_id_and_kept() -> None:
    reviews, publisher, loan = InMemoryReviewStore(), InMemoryEventPublisher(), Loan()
    ctx = context(reviews=reviews, publisher=publisher)
    await review.interaction_seen(loan.interaction("send_uncertain", request_id="r-1"), ctx)
    item = item_id("r-1", "sms")
    wanted = DecisionRequest(decision_id="k-1", verdict="confirm_delivered", reason="said so")
    decided, new = await review.record_decision(item, wanted, SUPERVISOR, ctx)
    again, repeat = await review.record_decision(item, wanted, SUPERVISOR, ctx)
    assert (new, repeat) == (True, False)
    assert again == decided
    [sent] = publisher.events(TOPIC)
    assert isinstance(sent, ApplyReviewDecision)
    assert (sent.actor, sent.decision, sent.request_id, sent.channel) == (
        "sup-1",
        "confirm_delivered",
        "r-1",
        "sms",
    )
    assert await review.queue("uncertain", SUPERVISOR, ctx, 10) == []
    other = wanted.model_copy(update={"decision_id": "k-2", "verdict": "confirm_not_delivered"})
    with pytest.raises(TransitionRefused):
        await review.record_decision(item, other, SUPERVISOR, ctx)
    assert len(publisher.events(TOPIC)) == 1


async def test_only_a_compliance_officer_decides_an_escalation_and_nothing_is_sent_else() -> None:
    reviews, publisher, loan = InMemoryReviewStore(), InMemoryEventPublisher(), Loan()
    ctx = context(reviews=reviews, publisher=publisher)
    await review.interaction_seen(loan.interaction("send_escalated", request_id="r"), ctx)
    wanted = DecisionRequest(decision_id="k", verdict="reject", reason="not lawful")
    with pytest.raises(NotAllowed):
        await review.record_decision(item_id("r", "sms"), wanted, SUPERVISOR, ctx)
    with pytest.raises(review.ReviewNotFound):
        await review.record_decision("nope", wanted, COMPLIANCE, ctx)
    assert publisher.events(TOPIC) == []
    decided, _ = await review.record_decision(item_id("r", "sms"), wanted, COMPLIANCE, ctx)
    assert decided.decided is not None
    assert decided.decided.actor == "co-1"


async def test_a_send_settled_meanwhile_leaves_the_queue() -> None:
    reviews, loan = InMemoryReviewStore(), Loan()
    ctx = context(reviews=reviews)
    await review.interaction_seen(loan.interaction("send_uncertain", request_id="r"), ctx)
    await review.interaction_seen(loan.interaction("message_sent", request_id="r"), ctx)
    stored = await reviews.review(item_id("r", "sms"))
    assert stored is not None
    assert (stored.state, stored.closed_by) == ("closed", "message_sent")
    assert await review.queue("uncertain", AGENT, ctx, 10) == []
