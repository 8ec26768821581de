"""faust-streaming adapters: the app itself, the loan Table and a publisher on faust's producer."""

from __future__ import annotations

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
    """:class:`~shared.ports.EventPublisher` on the faust app's idempotent producer.

    Always the plain producer, never a transaction: under exactly_once, faust's ``topic.send``
    puts a record for a topic the worker consumes (the command topic) into the transaction of
    the *destination* partition's group, which commits only once that partition has offsets
    of its own to commit; on a quiet partition a forwarded command stayed invisible to the
    worker's own read_committed consumer (for minutes, or until the next loan event there).
    Each record is acknowledged before its source offset is; a record sent again after a
    crash carries the same event id, which the loan's tracker skips.

    Only the broker's failures (and timeouts) are retryable; anything else raised on the way
    is a bug, left to propagate so the worker stops instead of retrying it forever.
    """

    def __init__(self, app: faust.App, *, service: str) -> None:
        self._app = app
        self._service = service
        self._source = f"/dunwell/{service}"

    def _producer(self) -> Any:
        """The app's plain producer (not faust's TransactionManager)."""
        return self._app.producer

    async def publish(self, topic: str, event: Event) -> None:
        await self.publish_record(topic, encode(event, source=self._source))

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None:
        producer = self._producer()
        try:
            await producer.maybe_start()
            pending = await producer.send(
                topic, record.key, record.value, partition, None, list(record.headers)
            )
            await pending  # the broker's acknowledgement
        except _PUBLISH_FAILED as e:
            raise RetryableError(f"publish to {topic} failed: {type(e).__name__}") from e
        EVENTS_PUBLISHED.labels(self._service, topic).inc()
