"""faust-streaming adapters: the app itself, the loan Table and a publisher on faust's producer
(its commits, gated: ``faust_commits``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, Final

import faust
from aiokafka.errors import KafkaError
from faust.assignor import PartitionAssignor
from faust.exceptions import ProducerSendError
from faust.serializers import codecs
from faust.stores.rocksdb import Store as RocksStore

from services.scheduler.adapters import loan_codec
from services.scheduler.adapters.faust_commits import GatedApp
from services.scheduler.adapters.records import RecordEncoder
from services.scheduler.domain.decisions import SweepView
from services.scheduler.domain.loan import Loan
from services.scheduler.settings import Settings
from shared.errors import RetryableError
from shared.events import Event, KafkaRecord
from shared.logging import logging_config
from shared.metrics import EVENTS_PUBLISHED
from shared.settings import KafkaSettings

#: What a failed publish through faust's producer raises when the broker is away or slow;
#: anything else is a bug and is not retried.
_PUBLISH_FAILED: Final = (KafkaError, ProducerSendError, TimeoutError)


def broker_options(kafka: KafkaSettings) -> dict[str, Any]:
    """faust's broker URL list and credentials from our Kafka settings."""
    urls = [f"kafka://{server.strip()}" for server in kafka.bootstrap_servers.split(",")]
    options: dict[str, Any] = {"broker": urls}
    if kafka.security_protocol.startswith("SASL"):
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
        options["broker_credentials"] = faust.SASLCredentials(
            username=kafka.sasl_username or "",
            password=password,
            mechanism=kafka.sasl_mechanism or "SCRAM-SHA-512",
            ssl_context=None,
        )
    return options


class RememberingAssignor(PartitionAssignor):
    """faust's partition assignor, remembering each topic's group across assignments.

    Under exactly-once, a rebalance stops the transactions of the partitions it revokes, looking
    up each one's group in the *new* assignment; a topic that assignment does not list (its
    metadata not yet seen by the leader, as for a changelog topic created a moment earlier)
    crashed the worker at startup. Its group from the assignment it was revoked from is the
    right one, and a topic's group never changes within a process (the subscriptions are fixed).
    """

    _seen: dict[str, int]

    def on_assignment(self, assignment: Any) -> None:
        super().on_assignment(assignment)
        self._seen = {**getattr(self, "_seen", {}), **self._topic_groups}

    def group_for_topic(self, topic: str) -> int:
        if topic in self._topic_groups:
            return int(self._topic_groups[topic])
        return int(getattr(self, "_seen", {})[topic])


class LoanTable(faust.Table[str, Any]):
    """faust's Table, comparing its changelog's partitions with its source's only once the
    consumer's metadata knows both.

    faust makes that check once, on a table's first write, from the consumer's metadata
    snapshot. A changelog topic created a moment earlier (a namespace's first start) can be in
    that snapshot with no partitions yet: faust took the 0 for the topic's size, raised
    ``PartitionsMismatch`` on the first record and stopped the worker. A topic always has a
    partition, so 0 is metadata not yet seen: the check waits for the next write with a real
    count, and a real mismatch still raises.
    """

    def _verify_source_topic_partitions(self, source_topic: str) -> None:
        counts = self.app.consumer.topic_partitions
        if source_topic not in self._verified_source_topics_for_partitions and not (
            counts(source_topic) and counts(self.changelog_topic_name)
        ):
            return
        super()._verify_source_topic_partitions(source_topic)


def faust_app(settings: Settings, *, service: str) -> faust.App:
    """The scheduler's faust app; nothing connects until a worker starts it."""
    suffix = f"-{settings.kafka.topic_namespace}" if settings.kafka.topic_namespace else ""
    return GatedApp(
        settings.app_id + suffix,
        **broker_options(settings.kafka),
        store=settings.store,
        datadir=settings.datadir,
        autodiscover=False,
        processing_guarantee=settings.processing_guarantee,
        PartitionAssignor=RememberingAssignor,
        Table=LoanTable,
        consumer_auto_offset_reset="earliest",
        consumer_group_instance_id=settings.kafka.group_instance_id,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        producer_linger=settings.producer_linger_ms / 1000,
        producer_max_batch_size=settings.producer_max_batch_size,
        broker_commit_interval=settings.commit_interval_s,
        broker_commit_every=settings.commit_every,
        consumer_metadata_max_age_ms=int(settings.metadata_refresh_s * 1000),
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=2.0,
        web_port=settings.http_port,
        web_bind=settings.http_host,
        # /table would serve loan state over HTTP; the other views are debugging aids.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        logging_config=logging_config(service, settings.log_level),
    )


class LoanCodec(codecs.Codec):
    """The loan Table's values: a :class:`Loan` in memory, its compact form (``loan_codec``)
    on the changelog and disk; a value the Table wrote before (the model's JSON) still reads,
    so a changelog written by an earlier version recovers as it is.

    :param compact: False writes the model's JSON, which versions before the compact form
        read too (the first step of an upgrade that may need rolling back).
    """

    def __init__(self, compact: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._compact = compact

    def _dumps(self, s: Any) -> bytes:
        return loan_codec.dumps(s) if self._compact else bytes(s.__pydantic_serializer__.to_json(s))

    def _loads(self, s: bytes) -> Any:
        return loan_codec.loads(s)


def loan_table(app: faust.App, partitions: int, *, compact: bool = True) -> Any:
    """The ``loans`` Table, its values :class:`Loan` models (:class:`LoanCodec`)."""
    table: Any = app.Table("loans", default=None, partitions=partitions)
    # faust's Table takes its serializer from a faust Model type only; its store and changelog
    # topic are made on first use, after this.
    table.value_serializer = LoanCodec(compact)
    return table


class TableLoanStore:
    """:class:`~services.scheduler.ports.LoanStore` on a faust Table of :class:`LoanCodec`.

    A table write is durable when its partition's transaction commits: the commit gate
    (``faust_commits``) drains faust's buffer first, so nothing needs flushing per record.
    """

    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, loan_id: str) -> Loan | None:
        found = self._table.get(loan_id)
        return None if found is None else loan_codec.parsed(found)

    def put(self, loan: Loan) -> None:
        self._table[loan.loan_id] = loan

    def in_partition(
        self, partition: int, skip: Callable[[SweepView], bool] | None = None
    ) -> Iterator[Loan]:
        """The partition's loans; on RocksDB read from that partition's database alone (the
        store keeps one per partition: the whole table would decode every loan of the worker),
        one at a time (a book of a million loans does not fit in memory as models), each
        rebuilt only when ``skip`` has not left it out on its stored form alone."""
        store = getattr(self._table, "data", None)
        if isinstance(store, RocksStore):
            for value in store._visible_values(store._db_for_partition(partition)):
                found = loan_codec.stored(value)
                if skip is None or not skip(found):
                    yield found.loan() if isinstance(found, loan_codec.StoredLoan) else found
            return
        for value in list(self._table.values()):
            loan = loan_codec.parsed(value)
            if loan.partition == partition and (skip is None or not skip(loan)):
                yield loan

    def __len__(self) -> int:
        return len(self._table)


class FaustEventPublisher:
    """:class:`~shared.ports.EventPublisher` on the faust app's idempotent producer, pipelined.

    Always the plain producer, never a transaction: under exactly_once, faust's ``topic.send``
    puts a record for a topic the worker consumes (the command topic) into the transaction of
    the *destination* partition's group, which commits only once that partition has offsets
    of its own to commit; on a quiet partition a forwarded command stayed invisible to the
    worker's own read_committed consumer (for minutes, or until the next loan event there).

    ``publish`` returns once the record is handed to the producer (in order, per partition: the
    idempotent producer keeps it); :meth:`settle` waits for every acknowledgement and runs before
    each commit (``faust_commits``), so no offset or state commits ahead of its outputs. A record
    sent again after a crash carries the same event id, which the loan's tracker skips.

    Only the broker's failures (and timeouts) are retryable; anything else raised on the way
    is a bug, left to propagate so the worker stops instead of retrying it forever.
    """

    def __init__(self, app: faust.App, *, service: str) -> None:
        self._app = app
        self._service = service
        self._encode = RecordEncoder(f"/dunwell/{service}")
        self._pending: list[tuple[asyncio.Future[Any], str]] = []
        self._counters: dict[str, Any] = {}

    def _producer(self) -> Any:
        """The app's plain producer (not faust's TransactionManager)."""
        return self._app.producer

    async def publish(self, topic: str, event: Event) -> None:
        await self.publish_record(topic, self._encode(event))

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None:
        producer = self._producer()
        try:
            await producer.maybe_start()
            pending = await producer.send(
                topic, record.key, record.value, partition, None, list(record.headers)
            )
        except _PUBLISH_FAILED as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        self._pending.append((asyncio.ensure_future(pending), topic))

    async def settle(self) -> None:
        """Return once the broker has acknowledged every record published so far.

        :raises RetryableError: the broker refused one (nothing may commit after it).
        """
        while self._pending:
            sent, self._pending = self._pending, []
            results = await asyncio.gather(*(f for f, _ in sent), return_exceptions=True)
            for (_, topic), result in zip(sent, results, strict=True):
                if isinstance(result, _PUBLISH_FAILED):
                    raise RetryableError(f"publish to {topic} failed: {type(result).__name__}")
                if isinstance(result, BaseException):
                    raise result
                self._published(topic).inc()

    def _published(self, topic: str) -> Any:
        """The published-records counter's child for ``topic`` (looked up once per topic)."""
        child = self._counters.get(topic)
        if child is None:
            child = self._counters[topic] = EVENTS_PUBLISHED.labels(self._service, topic)
        return child
