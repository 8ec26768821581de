"""The Kafka ports every service shares: publishing events and consuming records.

Protocols only: the aiokafka adapters live in :mod:`shared.kafka` and
:mod:`shared.kafka_source`, the in-memory ones in :mod:`shared.testing`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar

from shared.events import Event, KafkaRecord


class EventPublisher(Protocol):
    """Publishes events and raw records, each acknowledged by the broker before the source
    offset that caused it is committed: most adapters return once it is acknowledged; the
    scheduler's pipelined one returns at once and its commit gate awaits every acknowledgement
    before any commit (timer, rebalance or shutdown)."""

    async def publish(self, topic: str, event: Event) -> None: ...

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None: ...


class Partition(NamedTuple):
    """One partition of one topic: the unit of ordering, seeking and committing."""

    topic: str
    partition: int


class Record(Protocol):
    """A consumed record, as a handler sees it (aiokafka's ``ConsumerRecord`` is one)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def timestamp(self) -> int:
        """Milliseconds since the epoch, as Kafka stamped the record."""

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


R = TypeVar("R", bound=Record)
R_co = TypeVar("R_co", bound=Record, covariant=True)

#: Called before partitions are taken away from this member (a rebalance or leaving the group).
OnRevoked = Callable[[], Awaitable[None]]


class EventSource(Protocol[R_co]):
    """What a consume loop needs from one consumer-group member.

    Offsets follow Kafka: a committed offset is the next one to read.
    """

    async def start(self, topics: Sequence[str], on_revoked: OnRevoked) -> None:
        """Join the group for ``topics``; ``on_revoked`` runs before partitions are taken."""

    async def stop(self) -> None:
        """Leave the group and close the connection."""

    async def getmany(
        self, timeout_s: float, max_records: int, partitions: Collection[Partition] = ()
    ) -> Mapping[Partition, Sequence[R_co]]:
        """Up to ``max_records`` records, each partition's in order; empty after ``timeout_s``.
        Only from ``partitions`` (assigned ones) when given."""

    def seek(self, partition: Partition, offset: int) -> None:
        """Read ``partition`` from ``offset`` again on the next :meth:`getmany`."""

    async def commit(self, offsets: Mapping[Partition, int]) -> None:
        """Commit the next offset to read, per partition.

        :raises PartitionsLost: the group has given a partition to another member meanwhile.
        """

    def assignment(self) -> frozenset[Partition]:
        """The partitions this member holds right now."""
