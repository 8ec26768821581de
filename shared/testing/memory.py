"""In-memory adapters of the shared ports: real adapters that keep everything in lists."""

from __future__ import annotations

from shared.events import AnyEvent, Event, KafkaRecord, decode, encode


class InMemoryEventPublisher:
    """:class:`~shared.ports.EventPublisher` keeping each topic's records as Kafka would."""

    def __init__(self, source: str = "/dunwell/test") -> None:
        self.records: dict[str, list[KafkaRecord]] = {}
        self._source = source

    async def publish(self, topic: str, event: Event) -> None:
        await self.publish_record(topic, encode(event, source=self._source))

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None:
        self.records.setdefault(topic, []).append(record)

    def events(self, topic: str) -> list[AnyEvent]:
        """The events published to ``topic``, decoded."""
        return [decode(r.value, r.headers) for r in self.records.get(topic, [])]
