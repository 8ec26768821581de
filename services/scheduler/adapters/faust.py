"""faust-streaming adapters: the app itself, the loan Table and a publisher on faust's producer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final

import faust
from aiokafka.errors import KafkaError
from faust.assignor import PartitionAssignor
from faust.exceptions import ProducerSendError

from services.scheduler.domain.loan import Loan
from services.scheduler.settings import Settings
from shared.errors import RetryableError
from shared.events import Event, KafkaRecord, encode
from shared.logging import logging_config
from shared.metrics import EVENTS_PUBLISHED
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)

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


def faust_app(settings: Settings, *, service: str) -> faust.App:
    """The scheduler's faust app; nothing connects until a worker starts it."""
    suffix = f"-{settings.kafka.topic_namespace}" if settings.kafka.topic_namespace else ""
    return faust.App(
        settings.app_id + suffix,
        **broker_options(settings.kafka),
        store=settings.store,
        datadir=settings.datadir,
        autodiscover=False,
        processing_guarantee=settings.processing_guarantee,
        PartitionAssignor=RememberingAssignor,
        consumer_auto_offset_reset="earliest",
        consumer_group_instance_id=settings.kafka.group_instance_id,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        producer_linger=settings.producer_linger_ms / 1000,
        broker_commit_interval=settings.commit_interval_s,
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


def drain_before_commit(app: faust.App) -> bool:
    """Make every exactly-once commit of ``app`` first drain faust's producer buffer into the
    partitions' transactions (installed once; True when it is in place).

    faust writes a table's changelog through that buffer, and its exactly-once commit (timer,
    rebalance, shutdown: all go through the transaction manager's ``commit``) does not drain it:
    a change still buffered would miss the transaction that commits its source offset.
    """
    if not app.in_transaction:
        return False
    manager: Any = app.consumer.transactions
    if getattr(manager, "_dunwell_drains", False):
        return True
    commit = manager.commit

    async def drained_commit(offsets: Any, start_new_transaction: bool = True) -> bool:
        await app.producer.buffer.flush()
        return bool(await commit(offsets, start_new_transaction=start_new_transaction))

    manager.commit = drained_commit
    manager._dunwell_drains = True
    return True


def _log_failed_send(done: asyncio.Future[Any]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("a decision failed inside its transaction: %s", type(done.exception()).__name__)


class TableLoanStore:
    """:class:`~services.scheduler.ports.LoanStore` on a faust Table (changelogged as JSON)."""

    def __init__(
        self,
        table: Any,
        flush: Callable[[], Awaitable[None]],
        transactional: Callable[[], bool] = lambda: False,
    ) -> None:
        self._table = table
        self._flush = flush
        self._transactional = transactional

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
        # Exactly-once: the changelog records, the decisions and the source offset commit in one
        # transaction of the source partition, the buffer drained first: nothing to wait for.
        if self._transactional():
            return
        # At least once: faust sends changelog records through its producer buffer and may
        # commit the source offset before they are acknowledged; after a crash the state would
        # be behind the offsets. Flushing here makes each record's state durable before its ack.
        await self._flush()


class FaustEventPublisher:
    """:class:`~shared.ports.EventPublisher` on the faust app's idempotent producer.

    Only the broker's failures (and timeouts) are retryable; anything else raised on the way
    is a bug, left to propagate so the worker stops instead of retrying it forever.
    """

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
        transaction = self._source_transaction()
        if transaction is not None:
            await self._send_in(transaction, topic, record, partition)
            return
        try:
            pending = await self._topic(topic).send(
                key=record.key,
                value=record.value,
                headers=list(record.headers),
                partition=partition,
            )
            await pending  # the broker's acknowledgement
        except _PUBLISH_FAILED as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        EVENTS_PUBLISHED.labels(self._service, topic).inc()

    def _source_transaction(self) -> str | None:
        """The transactional id of the source partition being processed, under exactly-once
        inside an agent; None otherwise (a timer's tick, at least once)."""
        if not self._app.in_transaction:
            return None
        event = faust.current_event()
        if event is None:
            return None
        tp = event.message.tp
        group = self._app.assignor.group_for_topic(tp.topic)
        return f"{self._app.conf.id}-{group}-{tp.partition}"

    async def _send_in(
        self, transaction: str, topic: str, record: KafkaRecord, partition: int | None
    ) -> None:
        """Send inside the source partition's transaction, not waiting for the broker: the
        record commits (or aborts) with the table's changelog and the source offset, and the
        commit waits for every record of the transaction."""
        producer = self._app.consumer.transactions.producer
        try:
            pending = await producer.send(
                topic,
                record.key,
                record.value,
                partition,
                None,
                list(record.headers),
                transactional_id=transaction,
            )
        except _PUBLISH_FAILED as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        # A record that fails later fails its transaction's commit (the worker restarts and the
        # source is read again from the last committed offset); here it is only logged.
        asyncio.ensure_future(pending).add_done_callback(_log_failed_send)
        EVENTS_PUBLISHED.labels(self._service, topic).inc()
