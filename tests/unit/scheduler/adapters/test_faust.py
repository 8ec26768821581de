"""The faust adapters: only the broker's failures are retryable; loans kept in the Table."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import Any

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError, NotLeaderForPartitionError
from faust.exceptions import ProducerSendError

from services.scheduler.adapters.faust import (
    FaustEventPublisher,
    RememberingAssignor,
    TableLoanStore,
    broker_options,
    faust_app,
)
from services.scheduler.domain.loan import Loan
from services.scheduler.settings import Settings
from shared.errors import RetryableError
from shared.events import KafkaRecord
from shared.settings import KafkaSettings
from tests.support.faust import closing_spare_loops


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


class Producer:
    """faust's plain producer as the publisher uses it: ``send`` returns the
    acknowledgement's future."""

    def __init__(self, on_send: BaseException | None, on_ack: BaseException | None) -> None:
        self.on_send, self.on_ack = on_send, on_ack
        self.sent: list[dict[str, Any]] = []

    async def maybe_start(self) -> None:
        return None

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: list[tuple[str, bytes]],
    ) -> Awaitable[None]:
        if self.on_send is not None:
            raise self.on_send
        self.sent.append(
            {"topic": topic, "key": key, "value": value, "headers": headers, "partition": partition}
        )
        acknowledged: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.on_ack is None:
            acknowledged.set_result(None)
        else:
            acknowledged.set_exception(self.on_ack)
        return acknowledged


class Publisher(FaustEventPublisher):
    def __init__(self, producer: Producer) -> None:
        super().__init__(faust.App("test-publisher", autodiscover=False), service="scheduler")
        self.fake = producer

    def _producer(self) -> Any:
        return self.fake


RECORD = KafkaRecord(key=b"k", value=b"v", headers=(("ce_id", b"x"),))


class TestFaustEventPublisher:
    async def test_an_acknowledged_record_is_published(self) -> None:
        producer = Producer(None, None)
        await Publisher(producer).publish_record("t", RECORD, partition=3)
        assert producer.sent == [
            {"topic": "t", "key": b"k", "value": b"v", "headers": [("ce_id", b"x")], "partition": 3}
        ]

    @pytest.mark.parametrize(
        ("on_send", "on_ack"),
        [
            (ProducerSendError("no transaction producer"), None),
            (None, NotLeaderForPartitionError()),
            (None, KafkaTimeoutError()),
            (None, TimeoutError()),
        ],
    )
    async def test_the_brokers_failures_are_retryable(
        self, on_send: BaseException | None, on_ack: BaseException | None
    ) -> None:
        with pytest.raises(RetryableError, match="publish to t failed"):
            await Publisher(Producer(on_send, on_ack)).publish_record("t", RECORD)

    @pytest.mark.parametrize("bug", [TypeError("bytes expected"), KeyError("x"), ValueError()])
    async def test_anything_else_is_a_bug_and_is_not_retried(self, bug: Exception) -> None:
        with pytest.raises(type(bug)):
            await Publisher(Producer(bug, None)).publish_record("t", RECORD)


class TestTableLoanStore:
    async def test_loans_are_kept_as_json_and_flushed_before_an_offset_is_committed(
        self,
    ) -> None:
        table: dict[str, Any] = {}
        flushed: list[bool] = []

        async def flush() -> None:
            flushed.append(True)

        store = TableLoanStore(table, flush)
        loan = Loan(
            loan_id="l1", debtor_id="d1", account_masked="****1", product="p", currency="CNY"
        )
        store.put(loan.model_copy(update={"partition": 2}))
        store.put(
            Loan(loan_id="l2", debtor_id="d2", account_masked="*", product="p", currency="CNY")
        )
        assert table["l1"]["loan_id"] == "l1"
        assert store.get("l1") == loan.model_copy(update={"partition": 2})
        assert store.get("nope") is None
        assert [x.loan_id for x in store.in_partition(2)] == ["l1"]
        assert len(store) == 2
        await store.durable()
        assert flushed == [True]


def test_brokers_and_scram_credentials_for_faust() -> None:
    settings = KafkaSettings(
        bootstrap_servers="a:9092, b:9092",
        security_protocol="SASL_PLAINTEXT",
        sasl_username="dunwell-scheduler",
        sasl_password="secret",
    )
    options = broker_options(settings)
    assert options["broker"] == ["kafka://a:9092", "kafka://b:9092"]
    assert options["broker_credentials"].mechanism.name == "SCRAM_SHA_512"


def test_the_assignor_keeps_a_revoked_topics_group() -> None:
    """A rebalance revoking a partition of a topic the new assignment does not list looks up
    the group it had (faust's own assignor raised KeyError and crashed the worker)."""
    assignor = faust_app(Settings(), service="scheduler").assignor
    assert isinstance(assignor, RememberingAssignor)
    assignor._topic_groups = {"loans": 0, "loans-changelog": 0, "replies": 1}
    assignor._seen = dict(assignor._topic_groups)  # as after that assignment
    assignor._topic_groups = {"loans": 0, "replies": 1}  # the next one, a topic missing
    assert assignor.group_for_topic("loans-changelog") == 0
    assert assignor.group_for_topic("replies") == 1
    with pytest.raises(KeyError):
        assignor.group_for_topic("never-seen")
