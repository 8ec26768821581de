"""The notifier's inbound path end to end on the real application with memory deps: contact
details and requests in through the consume loop, the gate, a memory channel, and the ledger
and interactions out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY

from services.notifier.adapters.memory.channel import InMemoryChannel
from services.notifier.adapters.memory.feed import InMemoryDirectoryFeed
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app
from services.notifier.bootstrap import Deps, memory_deps
from services.notifier.domain.model import SendStatus
from services.notifier.domain.sends import send_key
from services.notifier.settings import Settings
from shared.events import Event, InteractionRecorded, KafkaRecord, encode
from shared.testing.factories import contact_details, contact_request
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from shared.topics import dead_letter

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
SETTINGS = Settings()
TOPICS = SETTINGS.kafka.topics
WEDNESDAY_NOON = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


class Wiring:
    def __init__(self, **overrides: object) -> None:
        self.store = InMemoryNotifierStore()
        self.publisher = InMemoryEventPublisher()
        self.source = InMemorySource(partitions=2)
        self.email = InMemoryChannel("smtp")
        self.sms = InMemoryChannel("aliyun")
        self.deps: Deps = memory_deps(
            store=self.store,
            publisher=self.publisher,
            source=self.source,
            channels={"email": self.email, "sms": self.sms},
            clock=lambda: WEDNESDAY_NOON,
            **overrides,
        )

    def arrive(self, topic: str, event: Event) -> None:
        self.source.append(topic, encode(event, source="/dunwell/test"))

    def interactions(self) -> list[InteractionRecorded]:
        found = self.publisher.events(TOPICS.interactions)
        return [e for e in found if isinstance(e, InteractionRecorded)]


async def eventually(check: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait until ``check()`` holds (the consume loop runs in the background)."""
    for _ in range(int(timeout_s / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition did not hold in time")


async def test_a_request_goes_through_the_gate_to_the_channel_once(
    aiohttp_client: ClientFactory,
) -> None:
    wiring = Wiring()
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    request = contact_request(channels=("sms", "email"))
    wiring.arrive(
        TOPICS.customer_events, contact_details(request.debtor_id, mobile="+8613800000001")
    )
    await eventually(lambda: request.debtor_id in wiring.store.contacts)
    wiring.arrive(TOPICS.contact_requests, request)
    wiring.arrive(TOPICS.contact_requests, request)  # redelivered: still one send each
    # The redelivery is answered from the ledger: the same interactions again, nothing resent.
    await eventually(lambda: len(wiring.interactions()) == 4)
    await eventually(lambda: sum(wiring.source.committed.values()) == 3)
    assert [to for to, _, _ in wiring.sms.sent] == ["+8613800000001"]
    assert len(wiring.email.sent) == 1
    assert {i.kind for i in wiring.interactions()} == {"message_sent"}
    assert len({i.event_id for i in wiring.interactions()}) == 2
    for channel in ("sms", "email"):
        entry = await wiring.store.entry(send_key(request.event_id, channel))
        assert entry is not None
        assert entry.status is SendStatus.SENT


async def test_the_directory_catches_up_before_requests_are_taken(
    aiohttp_client: ClientFactory,
) -> None:
    request = contact_request()
    feed = InMemoryDirectoryFeed([contact_details(request.debtor_id)])
    wiring = Wiring(directory=feed)
    wiring.arrive(TOPICS.contact_requests, request)  # already waiting at start-up
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    await eventually(lambda: len(wiring.email.sent) == 1)
    assert feed.caught_up == 1
    assert [i.kind for i in wiring.interactions()] == ["message_sent"]


async def test_an_event_on_the_wrong_topic_is_dead_lettered(aiohttp_client: ClientFactory) -> None:
    wiring = Wiring()
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    wiring.arrive(TOPICS.customer_events, contact_request())
    dead = f"{TOPICS.customer_events}.dlq"
    await eventually(lambda: len(wiring.publisher.records.get(dead, [])) == 1)
    assert wiring.email.sent == []
    assert wiring.interactions() == []


async def test_contact_details_with_extra_fields_still_reach_the_directory(
    aiohttp_client: ClientFactory,
) -> None:
    wiring = Wiring()
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    details = contact_details("debtor-extra", mobile="+8613800000002")
    record = encode(details, source="/corebanking")
    # What a core system sends beside the details: protected attributes and fields of its own.
    extra = {"gender": "F", "dateOfBirth": "1980-05-17", "officeName": "总行", "branch_code": "021"}
    body = json.dumps({**json.loads(record.value), **extra}).encode()
    counted = "notifier_contact_fields_ignored_total"
    before = {
        k: REGISTRY.get_sample_value(counted, {"kind": k}) or 0.0 for k in ("protected", "unknown")
    }
    wiring.source.append(TOPICS.customer_events, KafkaRecord(record.key, body, record.headers))
    await eventually(lambda: "debtor-extra" in wiring.store.contacts)
    assert wiring.store.contacts["debtor-extra"][1].mobile == "+8613800000002"
    assert REGISTRY.get_sample_value(counted, {"kind": "protected"}) == before["protected"] + 2
    assert REGISTRY.get_sample_value(counted, {"kind": "unknown"}) == before["unknown"] + 2
    await eventually(lambda: sum(wiring.source.committed.values()) == 1)
    assert wiring.publisher.records.get(dead_letter(TOPICS.customer_events)) is None
