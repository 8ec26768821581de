"""The faust adapters: outputs pipelined and settled, only the broker's failures retryable;
loans kept in the Table as models, on the changelog in their compact form."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterator
from decimal import Decimal
from typing import Any

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError, NotLeaderForPartitionError
from faust.exceptions import PartitionsMismatch, ProducerSendError

from services.scheduler.adapters import loan_codec
from services.scheduler.adapters.faust import (
    FaustEventPublisher,
    LoanCodec,
    LoanTable,
    RememberingAssignor,
    TableLoanStore,
    broker_options,
    faust_app,
    loan_table,
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
    async def test_a_record_is_handed_to_the_producer_without_waiting_for_its_ack(self) -> None:
        producer = Producer(None, None)
        publisher = Publisher(producer)
        await publisher.publish_record("t", RECORD, partition=3)
        assert producer.sent == [
            {"topic": "t", "key": b"k", "value": b"v", "headers": [("ce_id", b"x")], "partition": 3}
        ]
        await publisher.settle()

    async def test_settle_waits_for_every_acknowledgement(self) -> None:
        acks: list[asyncio.Future[None]] = []
        loop = asyncio.get_running_loop()

        class Slow(Producer):
            async def send(self, *args: Any) -> Awaitable[None]:
                acks.append(loop.create_future())
                return acks[-1]

        publisher = Publisher(Slow(None, None))
        for _ in range(3):
            await publisher.publish_record("t", RECORD)
        settling = asyncio.ensure_future(publisher.settle())
        for ack in acks[:2]:
            ack.set_result(None)
        await asyncio.sleep(0.01)
        assert not settling.done()  # the third is still unacknowledged
        acks[2].set_result(None)
        await asyncio.wait_for(settling, 1)

    async def test_a_refused_send_is_retryable_at_once(self) -> None:
        with pytest.raises(RetryableError, match="publish to t failed"):
            await Publisher(Producer(ProducerSendError("no producer"), None)).publish_record(
                "t", RECORD
            )

    @pytest.mark.parametrize(
        "on_ack", [NotLeaderForPartitionError(), KafkaTimeoutError(), TimeoutError()]
    )
    async def test_an_unacknowledged_record_fails_the_settle(self, on_ack: BaseException) -> None:
        publisher = Publisher(Producer(None, on_ack))
        await publisher.publish_record("t", RECORD)
        with pytest.raises(RetryableError, match="publish to t failed"):
            await publisher.settle()

    @pytest.mark.parametrize("bug", [TypeError("bytes expected"), KeyError("x"), ValueError()])
    async def test_anything_else_is_a_bug_and_is_not_retried(self, bug: Exception) -> None:
        with pytest.raises(type(bug)):
            await Publisher(Producer(bug, None)).publish_record("t", RECORD)


class TestTableLoanStore:
    def test_loans_are_kept_as_models_and_found_by_partition(self) -> None:
        table: dict[str, Any] = {}
        store = TableLoanStore(table)
        loan = Loan(
            loan_id="l1", debtor_id="d1", account_masked="****1", product="p", currency="CNY"
        )
        store.put(loan.model_copy(update={"partition": 2}))
        store.put(
            Loan(loan_id="l2", debtor_id="d2", account_masked="*", product="p", currency="CNY")
        )
        assert table["l1"] is store.get("l1")  # no model rebuilt per read
        assert store.get("l1") == loan.model_copy(update={"partition": 2})
        assert store.get("nope") is None
        assert [x.loan_id for x in store.in_partition(2)] == ["l1"]
        assert len(store) == 2

    def test_a_value_in_the_earlier_json_form_is_read_as_a_loan(self) -> None:
        loan = Loan(loan_id="l1", debtor_id="d1", account_masked="*", product="p", currency="CNY")
        store = TableLoanStore({"l1": loan.model_dump(mode="json")})
        assert store.get("l1") == loan
        assert list(store.in_partition(0)) == [loan]


def test_a_value_recovered_in_the_compact_form_is_read_as_a_loan() -> None:
    """faust's recovery of a memory Table hands over each changelog value parsed as JSON."""
    loan = Loan(loan_id="l1", debtor_id="d1", account_masked="*", product="p", currency="CNY")
    store = TableLoanStore({"l1": json.loads(loan_codec.dumps(loan))})
    assert store.get("l1") == loan
    assert list(store.in_partition(0)) == [loan]


class TestLoanCodec:
    def test_the_changelog_holds_the_compact_form_and_reads_the_json_written_before(self) -> None:
        loan = Loan(
            loan_id="l1",
            debtor_id="d1",
            account_masked="*",
            product="p",
            currency="CNY",
            paid_total=Decimal("12.50"),
            applied={"t": 3},
            recent_ids=("e1",),
        )
        written = LoanCodec().dumps(loan)
        assert written == loan_codec.dumps(loan)
        before = json.dumps(loan.model_dump(mode="json")).encode()  # faust's json codec
        assert LoanCodec().loads(before) == loan == LoanCodec().loads(written)

    def test_the_json_form_stays_writable_for_an_upgrade_that_may_be_rolled_back(self) -> None:
        loan = Loan(loan_id="l1", debtor_id="d1", account_masked="*", product="p", currency="CNY")
        written = LoanCodec(compact=False).dumps(loan)
        assert json.loads(written) == loan.model_dump(mode="json")  # what earlier versions read
        assert LoanCodec().loads(written) == loan
        assert Settings().state_format == "compact"
        table = loan_table(faust_app(Settings(), service="scheduler"), 4, compact=False)
        assert table.value_serializer.dumps(loan) == written


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


def test_the_table_checks_its_changelog_partitions_once_the_metadata_knows_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A changelog created a moment before the first record is in the consumer's metadata with
    no partitions yet: no check then (faust raised PartitionsMismatch and stopped the worker);
    the next write with a real count checks, and a real mismatch still raises."""
    app = faust_app(Settings(), service="scheduler")
    table = loan_table(app, 4)
    assert isinstance(table, LoanTable)
    known = {"loans-in": 4, table.changelog_topic_name: 0}
    monkeypatch.setattr(app.consumer, "topic_partitions", known.get)
    table._verify_source_topic_partitions("loans-in")
    assert "loans-in" not in table._verified_source_topics_for_partitions
    known[table.changelog_topic_name] = 3
    with pytest.raises(PartitionsMismatch):
        table._verify_source_topic_partitions("loans-in")
    known[table.changelog_topic_name] = 4
    table._verify_source_topic_partitions("loans-in")
    assert "loans-in" in table._verified_source_topics_for_partitions
    known[table.changelog_topic_name] = 3  # checked once, as faust does
    table._verify_source_topic_partitions("loans-in")
