"""The scheduler's stream records through the shared boundary: done, dead-lettered, retried in
place with a doubling pause, and a bug handed back at once, never retried."""

from __future__ import annotations

from services.scheduler.bootstrap import memory_deps
from services.scheduler.entrypoints.consumers import (
    MAX_RETRY_PAUSE_S,
    StreamRecord,
    settle,
    stream_record,
)
from shared import deadletter
from shared.errors import InvalidEvent, RetryableError
from shared.testing.memory import InMemoryEventPublisher
from shared.topics import dead_letter

TOPIC = "corebanking.loan-events.v1"


def record(value: bytes = b"{}") -> StreamRecord:
    return StreamRecord(TOPIC, 1, 41, b"loan-1", value, (("ce_id", b"e1"),), 1_700_000_000_000)


class Pauses:
    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


class TestSettle:
    async def test_a_handled_record_is_done(self) -> None:
        seen: list[StreamRecord] = []

        async def handler(r: StreamRecord) -> None:
            seen.append(r)

        assert await settle(record(), handler, memory_deps()) is None
        assert seen == [record()]

    async def test_an_invalid_record_is_dead_lettered_byte_for_byte(self) -> None:
        publisher = InMemoryEventPublisher()

        async def handler(r: StreamRecord) -> None:
            raise InvalidEvent("body is not JSON")

        assert await settle(record(b"{oops"), handler, memory_deps(publisher=publisher)) is None
        [letter] = publisher.records[dead_letter(TOPIC)]
        assert (letter.key, letter.value) == (b"loan-1", b"{oops")
        headers = list(letter.headers)
        assert deadletter.header(headers, deadletter.SOURCE_OFFSET) == "41"
        assert deadletter.header(headers, deadletter.SERVICE) == "scheduler"

    async def test_a_transient_failure_is_retried_in_place_with_a_doubling_capped_pause(
        self,
    ) -> None:
        failures, pauses = [8], Pauses()

        async def handler(r: StreamRecord) -> None:
            if failures[0] > 0:
                failures[0] -= 1
                raise RetryableError("broker away")

        assert await settle(record(), handler, memory_deps(), sleep=pauses) is None
        assert pauses.taken == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, MAX_RETRY_PAUSE_S, 30.0]

    async def test_a_bug_is_handed_back_at_once_and_never_retried(self) -> None:
        calls, pauses, bug = [0], Pauses(), KeyError("loan")
        publisher = InMemoryEventPublisher()

        async def handler(r: StreamRecord) -> None:
            calls[0] += 1
            raise bug

        deps = memory_deps(publisher=publisher)
        assert await settle(record(), handler, deps, sleep=pauses) is bug
        assert (calls[0], pauses.taken, publisher.records) == (1, [], {})


class Message:
    topic, partition, offset, key, value = TOPIC, 2, 7, b"k", b"v"

    def __init__(self, headers: object, timestamp: object) -> None:
        self.headers, self.timestamp = headers, timestamp


class Event:
    def __init__(self, message: Message) -> None:
        self.message = message


class TestStreamRecord:
    def test_faust_headers_and_seconds_become_pairs_and_milliseconds(self) -> None:
        converted = stream_record(Event(Message({"ce_id": b"x"}, 1_700_000_000.25)))
        assert converted == StreamRecord(
            TOPIC, 2, 7, b"k", b"v", [("ce_id", b"x")], 1_700_000_000_250
        )

    def test_a_record_without_headers_or_time(self) -> None:
        converted = stream_record(Event(Message(None, None)))
        assert (converted.headers, converted.timestamp) == ([], 0)
