"""Call steps and disputes through the scheduler's real faust agents (``test_context``, memory
store): a call step opens a call task on the tasks topic; a dispute stops every request until
the desk's resolution, forwarded by the case-actions router, releases it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.events import (
    BorrowerReplied,
    BusinessDayClosed,
    CallTaskOpened,
    ContactRequested,
    ContactWithdrawn,
    DisputeOpened,
    DisputeResolved,
    ResolveDispute,
)
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from tests.support.faust import closing_spare_loops
from tests.support.scheduler_app import put, ready_app

REQUESTS, TASKS = "dunwell.contact-requests.v1", "dunwell.tasks.v1"
COMMANDS = "dunwell.scheduler.loan-commands.v1"


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


@pytest.fixture
async def app() -> tuple[Any, InMemoryEventPublisher]:
    publisher = InMemoryEventPublisher()
    return ready_app(publisher), publisher


def close(day: int) -> BusinessDayClosed:
    on = date(2026, 3, day)
    return BusinessDayClosed(
        event_id=f"cob-{on}", occurred_at=datetime(2026, 3, day, 12, tzinfo=UTC), business_date=on
    )


async def test_a_call_step_opens_a_call_task_on_the_tasks_topic(
    app: tuple[Any, InMemoryEventPublisher],
) -> None:
    faust_app, publisher = app
    event = overdue(due_date=date(2026, 3, 1))
    async with faust_app.agents["track-loans"].test_context() as context:
        await put(context, event)
        # Due on Sunday 1 March, so from Monday: four days past due on the 6th, the dialler's call.
        await put(context, close(6))
        await put(context, close(6))  # a close replayed
    [task] = publisher.events(TASKS)
    assert isinstance(task, CallTaskOpened)
    assert (task.loan_id, task.step, task.queue) == (event.loan_id, "early-call", "dialler")
    assert [r.key for r in publisher.records[TASKS]] == [event.loan_id.encode()]
    assert [e.step for e in publisher.events(REQUESTS) if isinstance(e, ContactRequested)] == [
        "early-notice"
    ]


async def test_a_dispute_holds_every_request_until_its_resolution(
    app: tuple[Any, InMemoryEventPublisher],
) -> None:
    faust_app, publisher = app
    event = overdue(due_date=date(2026, 3, 1))
    reply = BorrowerReplied(
        event_id="reply-dispute",
        occurred_at=datetime(2026, 3, 4, 3, tzinfo=UTC),
        debtor_id=str(event.debtor_id),
        loan_id=event.loan_id,
        channel="sms",
        intent="dispute",
    )
    async with faust_app.agents["track-loans"].test_context() as context:
        await put(context, event)
        await put(context, reply)
        for day in range(5, 31):
            await put(context, close(day))
        held = list(publisher.events(REQUESTS))
        [opened] = [e for e in held if isinstance(e, DisputeOpened)]
        assert [e.reason for e in held if isinstance(e, ContactWithdrawn)] == ["held"]
        assert [e.step for e in held if isinstance(e, ContactRequested)] == ["early-notice"]
        assert publisher.events(TASKS)
        assert not [e for e in publisher.events(TASKS) if isinstance(e, CallTaskOpened)]
        resolution = ResolveDispute(
            event_id="resolve-1",
            occurred_at=datetime(2026, 3, 31, 2, tzinfo=UTC),
            dispute_id=opened.event_id,
            loan_id=event.loan_id,
            debtor_id=str(event.debtor_id),
            resolution="rejected",
            resolved_by="sup-1",
        )
        async with faust_app.agents["route-case-actions"].test_context() as router:
            await put(router, resolution)
        [forwarded] = publisher.records[COMMANDS]
        assert forwarded.key == event.loan_id.encode()
        await context.put(value=forwarded.value, key=forwarded.key, headers=forwarded.headers)
    [resolved] = [e for e in publisher.events(REQUESTS) if isinstance(e, DisputeResolved)]
    assert (resolved.dispute_id, resolved.resolved_by) == (opened.event_id, "sup-1")
    # Collection resumes at once: 30 days past due, the early range's last step is due.
    assert [e.step for e in publisher.events(TASKS) if isinstance(e, CallTaskOpened)] == [
        "early-agent-call"
    ]
