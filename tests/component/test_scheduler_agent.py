"""The scheduler's faust agents, driven through ``test_context`` with the memory store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from prometheus_client import REGISTRY

from services.scheduler.app import build_app
from services.scheduler.settings import Settings
from shared import deadletter
from shared.events import (
    BorrowerReplied,
    BusinessDayClosed,
    ContactDetailsChanged,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyRangeChanged,
    Event,
    KafkaRecord,
    RepaymentPosted,
    encode,
)
from shared.service import Outcome
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from shared.topics import dead_letter
from tests.support.faust import closing_spare_loops
from tests.support.fineract import client, loan_account, loan_key, period, repayment_due
from tests.support.scheduler_app import ready_app

REQUESTS, RANGES = "dunwell.contact-requests.v1", "dunwell.delinquency.v1"
CUSTOMERS = "corebanking.customer-events.v1"


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


@pytest.fixture
async def scheduler() -> AsyncIterator[tuple[Any, InMemoryEventPublisher]]:
    publisher = InMemoryEventPublisher()
    app = ready_app(publisher)
    agent = app.agents["track-loans"]
    async with agent.test_context() as context:
        yield context, publisher


async def put(context: Any, event: Event | bytes, key: bytes = b"k") -> None:
    if isinstance(event, bytes):
        await context.put(value=event, key=key, headers=[])
        return
    record = encode(event, source="/corebanking")
    await context.put(value=record.value, key=record.key, headers=list(record.headers))


async def test_an_overdue_event_publishes_one_contact_request(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    event = overdue()
    await put(context, event)
    await put(context, event)  # redelivered
    [request] = publisher.events(REQUESTS)
    assert isinstance(request, ContactRequested)
    assert (request.loan_id, request.step, request.account_masked) == (
        event.loan_id,
        "early-notice",
        "****5678",
    )
    [changed] = publisher.events(RANGES)
    assert isinstance(changed, DelinquencyRangeChanged)
    assert changed.to_range == "early"


async def test_close_of_business_advances_the_loan(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    await put(context, overdue())
    close = BusinessDayClosed(
        event_id="cob-1",
        occurred_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
        business_date=date(2026, 3, 10),
    )
    await put(context, close)
    steps = [e.step for e in publisher.events(REQUESTS) if isinstance(e, ContactRequested)]
    assert steps == ["early-notice", "early-reminder"]


async def test_paying_the_arrears_withdraws_the_requests_on_their_topic_once(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    event = overdue()
    await put(context, event)
    payment = RepaymentPosted(
        event_id=f"pay-{event.loan_id}",
        occurred_at=datetime(2026, 3, 5, 2, tzinfo=UTC),
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        amount=event.amount_due,
        value_date=date(2026, 3, 5),
    )
    counted = {"reason": "cured"}
    before = REGISTRY.get_sample_value("scheduler_contact_withdrawals_total", counted) or 0.0
    await put(context, payment)
    await put(context, payment)  # redelivered
    request, withdrawn = publisher.events(REQUESTS)
    assert isinstance(request, ContactRequested)
    assert isinstance(withdrawn, ContactWithdrawn)
    assert (withdrawn.loan_id, withdrawn.episode, withdrawn.reason) == (
        event.loan_id,
        request.episode,
        "cured",
    )
    assert [r.key for r in publisher.records[REQUESTS]] == [str(event.debtor_id).encode()] * 2
    assert REGISTRY.get_sample_value("scheduler_contact_withdrawals_total", counted) == before + 1


async def test_fineract_bytes_go_through_the_running_agent(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    opened = loan_account(
        "LoanDisbursalBusinessEvent",
        4711,
        42,
        [period(1, date(2026, 3, 10), "1050")],
        business_date=date(2026, 2, 10),
    )
    await put(context, opened, key=loan_key(4711))
    value = repayment_due(
        "LoanRepaymentOverdueBusinessEvent", 4711, 1, date(2026, 3, 10), "1050", date(2026, 3, 13)
    )
    await put(context, value, key=loan_key(4711))
    [request] = publisher.events(REQUESTS)
    assert isinstance(request, ContactRequested)
    assert (request.loan_id, request.debtor_id, request.amount_due) == ("4711", "42", Decimal(1050))


async def test_a_fineract_loan_seen_before_its_borrower_waits_for_it(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    counted = "scheduler_loan_events_without_borrower_total"
    before = REGISTRY.get_sample_value(counted) or 0.0
    value = repayment_due(
        "LoanRepaymentOverdueBusinessEvent", 4712, 1, date(2026, 3, 10), "1050", date(2026, 3, 13)
    )
    await put(context, value, key=loan_key(4712))
    assert publisher.events(REQUESTS) == []  # no debtor invented
    assert REGISTRY.get_sample_value(counted) == before + 1
    account = loan_account(
        "LoanBalanceChangedBusinessEvent",
        4712,
        43,
        [period(1, date(2026, 3, 10), "1050")],
        business_date=date(2026, 3, 13),
        message_id=2,
    )
    await put(context, account, key=loan_key(4712))
    [request] = publisher.events(REQUESTS)
    assert isinstance(request, ContactRequested)
    assert (request.debtor_id, request.days_past_due) == ("43", 3)


async def test_a_fineract_client_goes_to_the_directory_topic(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    value = client("ClientCreateBusinessEvent", 42, "13800138000", business_date=date(2026, 3, 2))
    await put(context, value, key=(42).to_bytes(8, "big"))
    [details] = publisher.events(CUSTOMERS)
    assert isinstance(details, ContactDetailsChanged)
    assert (details.debtor_id, details.mobile, details.provenance) == (
        "42",
        "+8613800138000",
        "core_banking",
    )
    [record] = publisher.records[CUSTOMERS]
    assert record.key == b"42"


async def test_a_malformed_event_is_dead_lettered_and_the_agent_goes_on(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    context, publisher = scheduler
    await context.put(value=b"{not json", key=b"k", headers=[("ce_id", b"x")])
    await put(context, overdue())
    # test_context() names a multi-topic channel "<internal>"; on Kafka it is the source topic.
    [topic] = [t for t in publisher.records if t.endswith(".dlq")]
    assert topic == dead_letter(topic.removesuffix(".dlq"))
    [dlq] = publisher.records[topic]
    assert dlq.value == b"{not json"
    assert deadletter.header(list(dlq.headers), deadletter.REASON_CODE) == "invalid_event"
    assert len(publisher.events(REQUESTS)) == 1


async def test_protected_attributes_change_nothing(
    scheduler: tuple[Any, InMemoryEventPublisher],
) -> None:
    """Counterfactual: two borrowers alike in everything financial, unlike in gender, age and
    occupation, get the same requests."""
    context, publisher = scheduler
    outputs = []
    for n, person in enumerate(
        (
            {"gender": "F", "age": 61, "occupation": "farmer"},
            {"gender": "M", "age": 24, "occupation": "lawyer"},
        )
    ):
        event = overdue(loan_id=f"cf-loan-{n}", debtor_id=f"cf-debtor-{n}")
        record = encode(event, source="/corebanking")
        body = {**json.loads(record.value), **person, "date_of_birth": "1965-01-01"}
        await context.put(
            value=json.dumps(body).encode(), key=record.key, headers=list(record.headers)
        )
        outputs.append(
            [
                e.model_dump(exclude={"event_id", "loan_id", "debtor_id"})
                for e in publisher.events(REQUESTS)
                if getattr(e, "loan_id", None) == event.loan_id
            ]
        )
    assert outputs[0]
    assert outputs[0] == outputs[1]


async def test_the_production_store_keeps_loans_on_disk(tmp_path: Any) -> None:
    """rocksdb:// (RocksDB through rocksdict), the store the scheduler runs with in production."""
    publisher = InMemoryEventPublisher()
    settings = Settings(store="rocksdb://", datadir=str(tmp_path), sweep_at=None)
    app = ready_app(publisher, settings)
    async with app.agents["track-loans"].test_context() as context:
        await put(context, overdue())
        store = cast(Any, app.tables["loans"]).data
        assert type(store).__module__ == "faust.stores.rocksdb"
        assert store.use_rocksdict
    assert len(publisher.events(REQUESTS)) == 1


async def test_on_the_production_store_a_close_sweeps_its_own_partitions_loans(
    tmp_path: Any,
) -> None:
    """RocksDB keeps a database per partition: the sweep reads the closed partition's alone."""
    publisher = InMemoryEventPublisher()
    settings = Settings(store="rocksdb://", datadir=str(tmp_path), sweep_at=None)
    app = ready_app(publisher, settings)
    first, second = overdue(), overdue()
    close = BusinessDayClosed(
        event_id="cob-1",
        occurred_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
        business_date=date(2026, 3, 10),
    )
    async with app.agents["track-loans"].test_context() as context:
        for event, partition in ((first, 0), (second, 1), (close, 1)):
            record = encode(event, source="/corebanking")
            await context.put(
                value=record.value,
                key=record.key,
                headers=list(record.headers),
                partition=partition,
            )
    reminded = [
        e.loan_id
        for e in publisher.events(REQUESTS)
        if isinstance(e, ContactRequested) and e.step == "early-reminder"
    ]
    assert reminded == [second.loan_id]


async def test_a_reply_is_rekeyed_by_loan_onto_the_command_topic() -> None:
    publisher = InMemoryEventPublisher()
    app = ready_app(publisher)
    reply = BorrowerReplied(
        event_id="reply-1",
        occurred_at=datetime(2026, 3, 5, tzinfo=UTC),
        debtor_id="debtor-1",
        loan_id="loan-9",
        channel="sms",
        intent="extension_request",
    )
    async with app.agents["route-replies"].test_context() as context:
        record = encode(reply, source="/dunwell/notifier")
        await context.put(value=record.value, key=record.key, headers=list(record.headers))
    [forwarded] = publisher.records["dunwell.scheduler.loan-commands.v1"]
    assert forwarded.key == b"loan-9"
    assert forwarded.value == record.value


class BrokenPublisher(InMemoryEventPublisher):
    """A publisher with a bug (not a Kafka failure): it must stop the worker, not be retried."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    async def publish_record(
        self, topic: str, record: KafkaRecord, partition: int | None = None
    ) -> None:
        self.attempts += 1
        raise TypeError("a bug, not a broker failure")


async def test_a_bug_stops_the_worker_instead_of_being_retried_forever() -> None:
    stops: list[bool] = []
    outcome = Outcome(stop=lambda: stops.append(True))
    publisher = BrokenPublisher()
    app = build_app(Settings(store="memory://", sweep_at=None), outcome, publisher)
    app.loop = asyncio.get_running_loop()
    app.finalize()
    app.flow_control.resume()
    async with app.agents["track-loans"].test_context() as context:
        with pytest.raises(TypeError, match="a bug"):
            await put(context, overdue())
    assert (outcome.failed, stops, publisher.attempts) == (True, [True], 1)
