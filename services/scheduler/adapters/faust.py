"""faust-streaming adapters: the contact-state Table and a publisher on faust's producer."""

from __future__ import annotations

from typing import Any

import faust

from services.scheduler.domain import LoanContactState
from shared.errors import RetryableError
from shared.events import Event, KafkaRecord, encode
from shared.metrics import EVENTS_PUBLISHED


class TableContactStateStore:
    """:class:`~services.scheduler.ports.ContactStateStore` on a faust Table (changelogged)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, loan_id: str) -> LoanContactState:
        return LoanContactState.from_json(self._table.get(loan_id))

    def put(self, loan_id: str, state: LoanContactState) -> None:
        self._table[loan_id] = state.to_json()


class FaustEventPublisher:
    """:class:`~shared.kafka.EventPublisher` on the faust app's idempotent producer."""

    def __init__(self, app: faust.App, *, service: str) -> None:
        self._app = app
        self._service = service
        self._source = f"/dunwell/{service}"
        self._topics: dict[str, Any] = {}

    def _topic(self, name: str) -> Any:
        if name not in self._topics:
            self._topics[name] = self._app.topic(name, key_serializer="raw", value_serializer="raw")
        return self._topics[name]

    async def publish(self, topic: str, event: Event) -> None:
        await self.publish_record(topic, encode(event, source=self._source))

    async def publish_record(self, topic: str, record: KafkaRecord) -> None:
        try:
            pending = await self._topic(topic).send(
                key=record.key, value=record.value, headers=list(record.headers)
            )
            await pending  # the broker's acknowledgement
        except Exception as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        EVENTS_PUBLISHED.labels(self._service, topic).inc()
