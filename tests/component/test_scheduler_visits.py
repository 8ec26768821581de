"""The scheduler's field visits through the running agent (``test_context``, memory store):
proposed on the tasks topic with its notice, moved by a reply, called off by a cure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY

from shared.events import (
    BorrowerReplied,
    BusinessDayClosed,
    ContactRequested,
    RepaymentPosted,
    VisitCancelled,
    VisitProposed,
)
from shared.testing.factories import random_ref
from shared.testing.memory import InMemoryEventPublisher
from tests.support.faust import closing_spare_loops
from tests.support.scheduler_app import put, ready_app
from tests.support.visit_loan import large_loan

REQUESTS, TASKS = "dunwell.contact-requests.v1", "dunwell.tasks.v1"
FIRST_DUE = date(2026, 3, 10)
#: Far enough into arrears for the strategy's visit (the "late" range, above its balance).
LATE = FIRST_DUE + timedelta(days=62)


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


@pytest.fixture
async def scheduler() -> AsyncIterator[tuple[Any, InMemoryEventPublisher]]:
    publisher = InMemoryEventPublisher()
    async with ready_app(publisher).agents["track-loans"].test_context() as context:
        yield context, publisher


def close(day: date) -> BusinessDayClosed:
    return BusinessDayClosed(
        event_id=f"cob-{day}-{random_ref('c')}",
        occurred_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
        business_date=day,
    )


def visit_events(publisher: InMemoryEventPublisher) -> list[VisitProposed | VisitCancelled]:
    return [e for e in publisher.events(TASKS) if isinstance(e, VisitProposed | VisitCancelled)]


async def test_a_visit_is_proposed_moved_by_a_reply_and_called_off_by_a_cure(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    loan = large_loan(FIRST_DUE)
    await put(context, loan)
    await put(context, close(LATE))
    [proposed] = visit_events(publisher)
    assert isinstance(proposed, VisitProposed)
    [notice] = [e for e in publisher.events(REQUESTS) if isinstance(e, ContactRequested)][-1:]
    assert (notice.purpose, notice.event_id) == ("visit_notice", proposed.notice_id)
    assert [r.key for r in publisher.records[TASKS]][-1] == loan.loan_id.encode()
    reply = BorrowerReplied(
        event_id=random_ref("reply"),
        occurred_at=datetime(2026, 5, 12, 3, tzinfo=UTC),
        debtor_id=loan.debtor_id,
        loan_id=loan.loan_id,
        channel="sms",
        intent="reschedule",
    )
    await put(context, reply)
    await put(context, reply)  # redelivered: moved once
    moved, second = visit_events(publisher)[1:]
    assert isinstance(moved, VisitCancelled)
    assert isinstance(second, VisitProposed)
    assert (moved.reason, second.replaces) == ("rescheduled", proposed.slot.visit_id)
    counted = {"what": "cancelled_cured"}
    before = REGISTRY.get_sample_value("scheduler_field_visits_total", counted) or 0.0
    await put(
        context,
        RepaymentPosted(
            event_id=random_ref("pay"),
            occurred_at=datetime(2026, 5, 13, 3, tzinfo=UTC),
            loan_id=loan.loan_id,
            debtor_id=loan.debtor_id,
            amount=Decimal(122400),  # all three instalments, due by then
            value_date=date(2026, 5, 13),
        ),
    )
    [*_, cured] = visit_events(publisher)
    assert isinstance(cured, VisitCancelled)
    assert (cured.visit_id, cured.reason) == (second.slot.visit_id, "cured")
    told = [e for e in publisher.events(REQUESTS) if isinstance(e, ContactRequested)][-1]
    assert (told.event_id, told.purpose) == (cured.notice_id, "visit_cancellation")
    assert REGISTRY.get_sample_value("scheduler_field_visits_total", counted) == before + 1


async def test_no_branch_for_the_loan_holds_the_visit_and_counts_it(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    before = REGISTRY.get_sample_value("scheduler_field_visits_total", {"what": "unplaced"}) or 0
    await put(context, large_loan(FIRST_DUE, region=None))
    await put(context, close(LATE))
    assert visit_events(publisher) == []
    assert not [
        e for e in publisher.events(REQUESTS) if getattr(e, "purpose", "") == "visit_notice"
    ]
    after = REGISTRY.get_sample_value("scheduler_field_visits_total", {"what": "unplaced"})
    assert after == before + 1
