"""Tracking loans with the memory adapters: decisions published, then state; replays skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.scheduler.adapters.memory import InMemoryLoanStore
from services.scheduler.bootstrap import Deps, memory_deps
from services.scheduler.handlers.track_loans import destination, handle_loan_record
from shared.errors import InvalidEvent
from shared.events import BusinessDayClosed, ContactRequested, Event, encode
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord
from tests.unit.scheduler.support import CONTEXT

TOPIC = "corebanking.loan-events.v1"


def record(event: Event, offset: int = 0, partition: int = 0) -> InMemoryRecord:
    encoded = encode(event, source="/corebanking")
    return InMemoryRecord(TOPIC, partition, offset, encoded.key, encoded.value, encoded.headers, 0)


@pytest.fixture
def deps() -> Deps:
    return memory_deps(plan=CONTEXT)


def publisher(deps: Deps) -> InMemoryEventPublisher:
    assert isinstance(deps.publisher, InMemoryEventPublisher)
    return deps.publisher


def store(deps: Deps) -> InMemoryLoanStore:
    assert isinstance(deps.loans, InMemoryLoanStore)
    return deps.loans


class TestHandleLoanRecord:
    async def test_an_overdue_instalment_publishes_a_request_and_keeps_the_loan(
        self, deps: Deps
    ) -> None:
        event = overdue()
        await handle_loan_record(record(event), deps)
        [request] = publisher(deps).events(deps.topics.contact_requests)
        assert isinstance(request, ContactRequested)
        assert request.loan_id == event.loan_id
        loan = store(deps).get(event.loan_id)
        assert loan is not None
        assert loan.applied == {TOPIC: 0}

    async def test_a_replayed_offset_and_a_duplicate_event_change_nothing(self, deps: Deps) -> None:
        event = overdue()
        await handle_loan_record(record(event, offset=5), deps)
        await handle_loan_record(record(event, offset=5), deps)  # replay after a crash
        await handle_loan_record(record(event, offset=6), deps)  # the source sent it twice
        assert len(publisher(deps).events(deps.topics.contact_requests)) == 1

    async def test_an_invalid_record_is_refused_for_the_boundary_to_dead_letter(
        self, deps: Deps
    ) -> None:
        bad = InMemoryRecord(TOPIC, 0, 0, b"k", b"{oops", (), 0)
        with pytest.raises(InvalidEvent):
            await handle_loan_record(bad, deps)
        assert publisher(deps).records == {}

    async def test_close_of_business_sweeps_only_its_partition(self, deps: Deps) -> None:
        mine, other = overdue(), overdue()
        await handle_loan_record(record(mine, partition=0), deps)
        await handle_loan_record(record(other, partition=1), deps)
        close = BusinessDayClosed(
            event_id="cob-1",
            occurred_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
            business_date=date(2026, 3, 10),
        )
        await handle_loan_record(record(close, offset=9, partition=0), deps)
        requests = publisher(deps).events(deps.topics.contact_requests)
        swept = [r.loan_id for r in requests if isinstance(r, ContactRequested)][2:]
        assert swept == [mine.loan_id]


def test_each_decision_has_its_topic(deps: Deps) -> None:
    with pytest.raises(TypeError, match="does not publish"):
        destination(overdue(), deps.topics)
