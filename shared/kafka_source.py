""":class:`~shared.ports.EventSource` on aiokafka: one consumer-group member, manual commits."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError

from shared.errors import PartitionsLost
from shared.kafka import client_options
from shared.ports import OnRevoked, Partition
from shared.settings import KafkaSettings

KafkaConsumerRecord: TypeAlias = ConsumerRecord[bytes, bytes]


class _BeforeRevoking(ConsumerRebalanceListener):  # type: ignore[misc]
    """Runs the loop's hook before partitions are taken away (aiokafka waits for it)."""

    def __init__(self, on_revoked: OnRevoked) -> None:
        self._on_revoked = on_revoked

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._on_revoked()

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


class AiokafkaSource:
    """Reads committed records only (the scheduler publishes in Kafka transactions), from the
    earliest offset when the group has none, and never commits on its own."""

    def __init__(self, kafka: KafkaSettings, *, group_id: str, service: str) -> None:
        """:param kafka: how to reach the cluster (and this member's static id, if any).
        :param group_id: the consumer group.
        :param service: names the client (``dunwell-<service>``) in broker logs.
        """
        self._consumer = AIOKafkaConsumer(
            **client_options(kafka),
            group_id=group_id,
            group_instance_id=kafka.group_instance_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # The scheduler publishes in Kafka transactions: never act on an aborted one.
            isolation_level="read_committed",
            client_id=f"dunwell-{service}",
        )

    async def start(self, topics: Sequence[str], on_revoked: OnRevoked) -> None:
        await self._consumer.start()
        self._consumer.subscribe(list(topics), listener=_BeforeRevoking(on_revoked))

    async def stop(self) -> None:
        await self._consumer.stop()

    async def getmany(
        self, timeout_s: float, max_records: int, partitions: Collection[Partition] = ()
    ) -> Mapping[Partition, Sequence[KafkaConsumerRecord]]:
        batches = await self._consumer.getmany(
            *(TopicPartition(*tp) for tp in partitions),
            timeout_ms=int(timeout_s * 1000),
            max_records=max_records,
        )
        return {Partition(tp.topic, tp.partition): records for tp, records in batches.items()}

    def seek(self, partition: Partition, offset: int) -> None:
        self._consumer.seek(TopicPartition(*partition), offset)

    async def commit(self, offsets: Mapping[Partition, int]) -> None:
        try:
            await self._consumer.commit({TopicPartition(*tp): n for tp, n in offsets.items()})
        except CommitFailedError as e:
            # aiokafka rejoins the group on the next poll; the new owner reads these again.
            raise PartitionsLost(str(e)) from e

    def assignment(self) -> frozenset[Partition]:
        return frozenset(Partition(tp.topic, tp.partition) for tp in self._consumer.assignment())
