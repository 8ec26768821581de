"""The scheduler's record encoder: byte for byte ``shared.events.encode``, refusing what it
refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from cloudevents.core.exceptions import CloudEventValidationError

from services.scheduler.adapters.records import RecordEncoder
from services.scheduler.bootstrap import memory_deps
from shared.events import AnyEvent, BusinessDayClosed, ContactDetailsChanged, encode
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from tests.support.scheduler_book import run_book

SOURCE = "/dunwell/scheduler"


def _book_outputs() -> list[AnyEvent]:
    """Every event the scheduler publishes for a small simulated book."""
    publisher = InMemoryEventPublisher(source=SOURCE)
    deps = memory_deps(publisher=publisher)

    run_book(deps, 60, 60, "records")
    return [event for topic in publisher.records for event in publisher.events(topic)]


def test_every_output_of_a_book_encodes_as_the_shared_encoder_does() -> None:
    outputs = _book_outputs()
    assert len({type(e) for e in outputs}) >= 4  # requests, withdrawals, ranges, call tasks
    encoder = RecordEncoder(SOURCE)
    for event in outputs:
        assert encoder(event) == encode(event, source=SOURCE)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 2, 17, 0, tzinfo=timezone(timedelta(hours=8))),
        datetime(2026, 3, 2, 17, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
def test_times_in_any_zone_and_input_events_encode_alike(at: datetime) -> None:
    close = BusinessDayClosed(event_id="close-1", occurred_at=at, business_date=date(2026, 3, 2))
    details = ContactDetailsChanged.model_validate(
        {
            "event_id": "c-1",
            "occurred_at": at,
            "debtor_id": "d-1",
            "mobile": "+8613800138000",
            "email": "borrower@example.com",
            "provenance": "contract",
        }
    )
    encoder = RecordEncoder(SOURCE)
    for event in (close, details, overdue(occurred_at=at)):
        assert encoder(event) == encode(event, source=SOURCE)


def test_what_the_shared_encoder_refuses_is_refused() -> None:
    naive = overdue().model_copy(update={"occurred_at": datetime(2026, 3, 2, 9, 0)})
    with pytest.raises(CloudEventValidationError, match="timezone aware"):
        encode(naive, source=SOURCE)
    with pytest.raises(CloudEventValidationError, match="timezone aware"):
        RecordEncoder(SOURCE)(naive)
    unnamed = overdue().model_copy(update={"event_id": ""})
    with pytest.raises(CloudEventValidationError, match="'id' must not be None or empty"):
        RecordEncoder(SOURCE)(unnamed)
    with pytest.raises(CloudEventValidationError, match="'source' must not be None or empty"):
        RecordEncoder("")(overdue())
