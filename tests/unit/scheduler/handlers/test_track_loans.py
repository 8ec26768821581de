"""Tracking loans with the memory adapters: decisions published, then state; replays skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.scheduler.adapters.memory import InMemoryLoanStore
from services.scheduler.bootstrap import Deps, memory_deps
from services.scheduler.handlers.track_loans import destination, handle_loan_record
from shared.errors import InvalidEvent
from shared.events import BusinessDayClosed, ContactDetailsChanged, ContactRequested, Event, encode
from shared.testing.factories import overdue
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord
from tests.support.fineract import NS, account_payload, bulk, client_payload, instalment, period
from tests.unit.scheduler.support import CONTEXT

TOPIC = "corebanking.loan-events.v1"


def record(event: Event, offset: int = 0, partition: int = 0) -> InMemoryRecord:
    encoded = encode(event, source="/corebanking")
    return InMemoryRecord(TOPIC, partition, offset, encoded.key, encoded.value, encoded.headers, 0)


@pytest.fixture
def deps() -> Deps:
    return memory_deps(plan=CONTEXT)


def publisher(deps: Deps) -> InMemoryEventPublisher:
    assert isinstance(deps.publisher, InMemoryEventPublisher)
    return deps.publisher


def store(deps: Deps) -> InMemoryLoanStore:
    assert isinstance(deps.loans, InMemoryLoanStore)
    return deps.loans


class TestHandleLoanRecord:
    async def test_an_overdue_instalment_publishes_a_request_and_keeps_the_loan(
        self, deps: Deps
    ) -> None:
        event = overdue()
        await handle_loan_record(record(event), deps)
        [request] = publisher(deps).events(deps.topics.contact_requests)
        assert isinstance(request, ContactRequested)
        assert request.loan_id == event.loan_id
        loan = store(deps).get(event.loan_id)
        assert loan is not None
        assert loan.applied == {TOPIC: 0}

    async def test_a_replayed_offset_and_a_duplicate_event_change_nothing(self, deps: Deps) -> None:
        event = overdue()
        await handle_loan_record(record(event, offset=5), deps)
        await handle_loan_record(record(event, offset=5), deps)  # replay after a crash
        await handle_loan_record(record(event, offset=6), deps)  # the source sent it twice
        assert len(publisher(deps).events(deps.topics.contact_requests)) == 1

    async def test_an_invalid_record_is_refused_for_the_boundary_to_dead_letter(
        self, deps: Deps
    ) -> None:
        bad = InMemoryRecord(TOPIC, 0, 0, b"k", b"{oops", (), 0)
        with pytest.raises(InvalidEvent):
            await handle_loan_record(bad, deps)
        assert publisher(deps).records == {}

    async def test_close_of_business_sweeps_only_its_partition(self, deps: Deps) -> None:
        mine, other = overdue(), overdue()
        await handle_loan_record(record(mine, partition=0), deps)
        await handle_loan_record(record(other, partition=1), deps)
        close = BusinessDayClosed(
            event_id="cob-1",
            occurred_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
            business_date=date(2026, 3, 10),
        )
        await handle_loan_record(record(close, offset=9, partition=0), deps)
        requests = publisher(deps).events(deps.topics.contact_requests)
        swept = [r.loan_id for r in requests if isinstance(r, ContactRequested)][2:]
        assert swept == [mine.loan_id]


def test_each_decision_has_its_topic(deps: Deps) -> None:
    with pytest.raises(TypeError, match="does not publish"):
        destination(overdue(), deps.topics)


def raw(value: bytes, offset: int, key: bytes | None = None) -> InMemoryRecord:
    return InMemoryRecord(TOPIC, 0, offset, key, value, (), 0)


class TestABulkRecord:
    """A bulk record carries several events; each is applied once, even across a replay."""

    def value(self) -> bytes:
        due = {
            "loanId": 9,
            "loanAccountNo": "000000009",
            "installment": instalment(1, date(2026, 3, 10), "1050"),
        }
        return bulk(
            [
                (
                    "LoanDisbursalBusinessEvent",
                    f"{NS}.loan.v1.LoanAccountDataV1",
                    account_payload(9, 42, [period(1, date(2026, 3, 10), "1050")]),
                ),
                ("LoanRepaymentOverdueBusinessEvent", f"{NS}.loan.v1.LoanRepaymentDueDataV1", due),
                (
                    "ClientCreateBusinessEvent",
                    f"{NS}.client.v1.ClientDataV1",
                    client_payload(42, "13800138000", None),
                ),
            ],
            business_date=date(2026, 3, 13),
        )

    async def test_each_item_is_applied_as_if_sent_alone(self, deps: Deps) -> None:
        await handle_loan_record(raw(self.value(), offset=3), deps)
        [request] = publisher(deps).events(deps.topics.contact_requests)
        assert isinstance(request, ContactRequested)
        assert (request.loan_id, request.debtor_id) == ("9", "42")
        [details] = publisher(deps).events(deps.topics.customer_events)
        assert isinstance(details, ContactDetailsChanged)
        loan = store(deps).get("9")
        assert loan is not None
        assert loan.applied == {f"{TOPIC}#0": 3, f"{TOPIC}#1": 3}

    async def test_a_replay_after_the_first_item_applies_only_the_rest(self, deps: Deps) -> None:
        value = self.value()
        await handle_loan_record(raw(value, offset=3), deps)
        before = store(deps).get("9")
        assert before is not None
        # As if the worker had stopped after the first item: the second not yet applied.
        first_only = before.model_copy(
            update={"applied": {f"{TOPIC}#0": 3}, "recent_ids": before.recent_ids[:1]}
        )
        store(deps).put(first_only.model_copy(update={"in_episode": False, "fired": frozenset()}))
        publisher(deps).records.clear()
        await handle_loan_record(raw(value, offset=3), deps)
        assert len(publisher(deps).events(deps.topics.contact_requests)) == 1
        await handle_loan_record(raw(value, offset=3), deps)  # and once more: nothing new
        assert len(publisher(deps).events(deps.topics.contact_requests)) == 1
