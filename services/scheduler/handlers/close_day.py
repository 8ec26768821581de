"""Close of business when core banking sends none: one close per partition, once a day."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from services.scheduler.domain.calendar import BusinessCalendar
from shared.events import BusinessDayClosed, encode
from shared.ports import EventPublisher


class DailyClose:
    """Sends each partition of the command topic a close of business once ``sweep_at`` local
    time has passed on a business date (a repeat is harmless: sweeps are idempotent)."""

    def __init__(
        self,
        calendar: BusinessCalendar,
        sweep_at: time,
        *,
        publisher: EventPublisher,
        topic: str,
        partitions: int,
    ) -> None:
        self._calendar = calendar
        self._sweep_at = sweep_at
        self._publisher = publisher
        self._topic = topic
        self._partitions = partitions
        self.swept: list[date] = []

    async def tick(self, now: datetime) -> bool:
        """Close the business day if it is time and not done yet; whether it closed it now."""
        today = self._calendar.business_date(now)
        local = now.astimezone(ZoneInfo(self._calendar.time_zone)).time()
        if (self.swept and self.swept[-1] == today) or local < self._sweep_at:
            return False
        for partition in range(self._partitions):
            close = BusinessDayClosed(
                event_id=f"close-{today}-{partition}", occurred_at=now, business_date=today
            )
            record = encode(close, source="/dunwell/scheduler")
            await self._publisher.publish_record(self._topic, record, partition=partition)
        self.swept.append(today)
        return True
