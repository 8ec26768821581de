"""faust-streaming adapters: the loan Table and a publisher on faust's producer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import faust

from services.scheduler.loan import Loan
from shared.errors import RetryableError
from shared.events import Event, KafkaRecord, encode
from shared.metrics import EVENTS_PUBLISHED


class TableLoanStore:
    """:class:`~services.scheduler.ports.LoanStore` on a faust Table (changelogged as JSON)."""

    def __init__(self, table: Any, flush: Callable[[], Awaitable[None]]) -> None:
        self._table = table
        self._flush = flush

    def get(self, loan_id: str) -> Loan | None:
        found = self._table.get(loan_id)
        return Loan.model_validate(found) if found is not None else None

    def put(self, loan: Loan) -> None:
        self._table[loan.loan_id] = loan.model_dump(mode="json")

    def in_partition(self, partition: int) -> Iterator[Loan]:
        for value in list(self._table.values()):
            if value.get("partition") == partition:
                yield Loan.model_validate(value)

    def __len__(self) -> int:
        return len(self._table)

    async def durable(self) -> None:
        # faust sends changelog records through its producer buffer and may commit the source
        # offset before they are acknowledged; after a crash the state would be behind the
        # offsets. Flushing here makes each record's state durable before the record is acked.
        await self._flush()


class FaustEventPublisher:
    """:class:`~shared.ports.EventPublisher` on the faust app's idempotent producer."""

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

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None:
        try:
            pending = await self._topic(topic).send(
                key=record.key,
                value=record.value,
                headers=list(record.headers),
                partition=partition,
            )
            await pending  # the broker's acknowledgement
        except Exception as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        EVENTS_PUBLISHED.labels(self._service, topic).inc()
