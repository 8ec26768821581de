"""The consume boundary: each failure judged once, by what the consumer does next."""

from __future__ import annotations

import time

import pytest
from prometheus_client import REGISTRY

from shared import boundary, deadletter
from shared.errors import InvalidEvent, RetryableError
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemoryRecord
from shared.topics import Topics, dead_letter


def record(topic: str = "t", offset: int = 7) -> InMemoryRecord:
    return InMemoryRecord(topic, 0, offset, b"k", b"x", (("ce_id", b"e1"),), 0)


class TestHandle:
    async def test_a_handler_that_returns_is_done(self) -> None:
        seen: list[InMemoryRecord] = []

        async def handler(r: InMemoryRecord) -> None:
            seen.append(r)

        assert await boundary.handle(record(), handler) == boundary.Done()
        assert seen == [record()]

    async def test_a_permanent_error_is_dead_lettered_with_its_reason(self) -> None:
        error = InvalidEvent("schema: amount")

        async def handler(r: InMemoryRecord) -> None:
            raise error

        assert await boundary.handle(record(), handler) == boundary.DeadLetter(error)

    async def test_a_retryable_error_is_retried_after_its_delay(self) -> None:
        async def handler(r: InMemoryRecord) -> None:
            raise RetryableError("database away", defer_s=2.5)

        verdict = await boundary.handle(record(), handler)
        assert isinstance(verdict, boundary.Retry)
        assert verdict.defer_s == 2.5

    @pytest.mark.parametrize("bug", [KeyError("loan"), TypeError("None"), RuntimeError("x")])
    async def test_anything_else_is_a_bug_never_a_retry(self, bug: Exception) -> None:
        async def handler(r: InMemoryRecord) -> None:
            raise bug

        assert await boundary.handle(record(), handler) == boundary.Bug(bug)


class TestDeadLetter:
    async def test_send_goes_to_the_topics_dead_letter_topic(self) -> None:
        publisher = InMemoryEventPublisher()
        topic = Topics("ns").loan_events
        await boundary.dead_letter(
            publisher, record(topic), InvalidEvent("schema"), service="scheduler"
        )
        [letter] = publisher.records[dead_letter(topic)]
        assert (letter.key, letter.value) == (b"k", b"x")
        headers = list(letter.headers)
        assert deadletter.header(headers, deadletter.SOURCE_TOPIC) == topic
        assert deadletter.header(headers, deadletter.SOURCE_OFFSET) == "7"
        assert deadletter.header(headers, "ce_id") == "e1"


class TestObserveLag:
    def test_a_records_age_is_counted_and_an_unknown_one_is_not(self) -> None:
        labels = {"service": "lagtest", "topic": "t"}
        count = "dunwell_consumer_time_lag_seconds_count"
        boundary.observe_lag("lagtest", record())  # timestamp 0: unknown
        assert REGISTRY.get_sample_value(count, labels) is None
        stamped = InMemoryRecord("t", 0, 1, None, b"", (), int((time.time() - 5) * 1000))
        boundary.observe_lag("lagtest", stamped)
        assert REGISTRY.get_sample_value(count, labels) == 1
        total = REGISTRY.get_sample_value("dunwell_consumer_time_lag_seconds_sum", labels)
        assert total is not None
        assert 4 < total < 60
