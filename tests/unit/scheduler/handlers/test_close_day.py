"""The daily close: once per business date, after sweep_at local time, to every partition."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from services.scheduler.handlers.close_day import DailyClose
from shared.events import BusinessDayClosed
from shared.testing.memory import InMemoryEventPublisher
from tests.unit.scheduler.support import CALENDAR

TOPIC = "dunwell.scheduler.loan-commands.v1"


def close(publisher: InMemoryEventPublisher) -> DailyClose:
    return DailyClose(CALENDAR, time(18, 0), publisher=publisher, topic=TOPIC, partitions=3)


async def test_nothing_before_sweep_at_local_time() -> None:
    publisher = InMemoryEventPublisher()
    # 09:59 UTC is 17:59 in Shanghai.
    assert not await close(publisher).tick(datetime(2026, 3, 10, 9, 59, tzinfo=UTC))
    assert publisher.records == {}


async def test_one_close_per_partition_once_a_day() -> None:
    publisher = InMemoryEventPublisher()
    daily = close(publisher)
    assert await daily.tick(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    assert not await daily.tick(datetime(2026, 3, 10, 10, 30, tzinfo=UTC))
    events = publisher.events(TOPIC)
    assert [e.event_id for e in events] == [f"close-2026-03-10-{n}" for n in range(3)]
    assert all(
        isinstance(e, BusinessDayClosed) and e.business_date == date(2026, 3, 10) for e in events
    )
    assert daily.swept == [date(2026, 3, 10)]
