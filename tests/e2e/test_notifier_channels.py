"""End to end on the real broker with the provider sandbox: every (request, channel) reaches
the borrower once (SMS, email, WeChat), even when the notifier is killed mid-run; receipts and
replies come back through the providers' callbacks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import publish_items, sandbox_mobile, sandbox_openid, simulated_book
from sandbox.stack import LOCAL_TOKENS, SERVICES, morning_of
from services.notifier.domain.sends import verification_code
from services.notifier.settings import Settings as NotifierSettings
from shared.events import Channel, ContactRequested
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
SECRET = b"local-development-only"  # the notifier's default verification key
CHANNELS: tuple[Channel, ...] = ("sms", "email", "wechat")
REQUESTS = 30
#: Provider calls the notifier has in flight at once, so what a kill can leave uncertain.
IN_FLIGHT = NotifierSettings().send_concurrency
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}


#: The gate's clock in this module: a day the calendar knows officially, so all three channels
#: may go the same day (on a provisional day the holiday policy allows one message).
CLOCK_DAY = date(2026, 11, 30)


def fresh_request(**fields: Any) -> ContactRequested:
    """A request as the scheduler writes it on ``CLOCK_DAY``: still true when it is sent."""
    dates = {"due_date": CLOCK_DAY - timedelta(days=3), "pay_by": CLOCK_DAY + timedelta(days=7)}
    return contact_request(**(dates | fields))


Channels = ProviderStack


@pytest.fixture(scope="module")
def channels(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Channels]:
    workdir = tmp_path_factory.mktemp("channels")
    with provider_stack(broker, workdir, "ch", morning_of(CLOCK_DAY)) as system:
        yield system


async def timeline(system: Channels, debtor: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as s,
        s.get(system.url("audit", "/v1/timeline"), params={"debtor_id": debtor}) as r,
    ):
        body = await r.json()
    entries: list[dict[str, Any]] = body["entries"]
    return entries


@pytest.mark.timeout(300)  # the first consumer group on a just-started broker is slow to form
async def test_each_request_reaches_each_channel_once_across_a_notifier_kill(
    channels: Channels,
) -> None:
    run = channels.kafka.topic_namespace
    publisher = KafkaEventPublisher(channels.kafka, service="e2e")
    await publisher.start()
    requests: list[ContactRequested] = []
    try:
        for n in range(REQUESTS):
            details = contact_details(
                f"{run}-D{n}", mobile=sandbox_mobile(n), wechat_openid=sandbox_openid(run, n)
            )
            await publisher.publish(channels.kafka.topics.customer_events, details)
        # On a broker that has just started, the first consumer group may take a while to form.
        await eventually(
            lambda: _at_least(
                channels.stack.consumed("notifier", channels.kafka.topics.customer_events), REQUESTS
            ),
            timeout_s=150,
        )
        for n in range(REQUESTS):
            request = fresh_request(debtor_id=f"{run}-D{n}", channels=CHANNELS)
            requests.append(request)
            await publisher.publish(channels.kafka.topics.contact_requests, request)
        # Kill the notifier while it is sending, then bring it back.
        await eventually(lambda: len(channels.providers.received()) >= REQUESTS // 2)
        channels.stack.kill("notifier")
        channels.stack.start("notifier")
        await channels.stack.wait_ready("notifier")
        expected: dict[tuple[str, str], ContactRequested] = {
            (c, verification_code(SECRET, r.event_id, c)): r for r in requests for c in CHANNELS
        }
        await eventually(lambda: _settled(channels, expected), timeout_s=90)
    finally:
        await publisher.aclose()
    await asyncio.sleep(3)  # any duplicate would have arrived by now
    delivered = channels.delivered()
    assert all(count == 1 for count in delivered.values()), "a message reached a borrower twice"
    # SMS goes through Aliyun, which can be asked by our out-id: nothing is lost there.
    assert all(delivered[(c, code)] == 1 for (c, code) in expected if c == "sms")
    missing = [key for key in expected if delivered[key] == 0]
    # Only sends in flight at the kill can be uncertain: at most the provider calls the notifier
    # makes side by side (a batch's calls run send_concurrency at a time); each is said so.
    assert len(missing) <= IN_FLIGHT, missing
    for channel, code in missing:
        entries = await timeline(channels, expected[(channel, code)].debtor_id)
        kinds = {
            e["content"].get("kind") for e in entries if e["content"].get("channel") == channel
        }
        assert "send_uncertain" in kinds, (channel, kinds)


async def _at_least(value: Any, wanted: int) -> bool:
    return bool(await value >= wanted)


async def _settled(channels: Channels, expected: dict[tuple[str, str], ContactRequested]) -> bool:
    delivered = channels.delivered()
    missing = [key for key in expected if delivered[key] == 0]
    if not missing:
        return True
    if len(missing) > IN_FLIGHT:
        return False
    for channel, code in missing:
        entries = await timeline(channels, expected[(channel, code)].debtor_id)
        if not any(
            e["content"].get("channel") == channel and e["content"].get("kind") == "send_uncertain"
            for e in entries
        ):
            return False
    return True


async def test_receipts_and_an_opt_out_reply_come_back_through_the_callbacks(
    channels: Channels,
) -> None:
    run = channels.kafka.topic_namespace
    debtor, n = f"{run}-R1", 900
    publisher = KafkaEventPublisher(channels.kafka, service="e2e")
    await publisher.start()
    try:
        details = contact_details(
            debtor, mobile=sandbox_mobile(n), wechat_openid=sandbox_openid(run, n)
        )
        topic = channels.kafka.topics.customer_events
        before = await channels.stack.consumed("notifier", topic)
        await publisher.publish(topic, details)
        await eventually(
            lambda: _at_least(channels.stack.consumed("notifier", topic), int(before) + 1)
        )
        first = fresh_request(debtor_id=debtor, channels=("sms",))
        await publisher.publish(channels.kafka.topics.contact_requests, first)

        async def receipt() -> bool:
            kinds = [e["content"].get("kind") for e in await timeline(channels, debtor)]
            return "delivery_reported" in kinds

        await eventually(receipt)
        async with (
            aiohttp.ClientSession() as s,
            s.post(
                f"{channels.providers.url}/_reply",
                json={"provider": "aliyun", "from": sandbox_mobile(n), "text": "退订"},
            ) as r,
        ):
            assert r.status == 200

        async def replied() -> bool:
            kinds = [e["content"].get("kind") for e in await timeline(channels, debtor)]
            return "reply_received" in kinds

        await eventually(replied)
        second = fresh_request(debtor_id=debtor, channels=("sms",))
        await publisher.publish(channels.kafka.topics.contact_requests, second)

        async def blocked() -> bool:
            entries = await timeline(channels, debtor)
            return any(
                e["content"].get("request_id") == second.event_id
                and e["content"].get("kind") == "send_blocked"
                for e in entries
            )

        await eventually(blocked)
    finally:
        await publisher.aclose()
    sms_to_debtor = [m for m in channels.providers.received() if m.to == sandbox_mobile(n)]
    assert len(sms_to_debtor) == 1  # the second request was stopped by the opt-out


async def test_no_personal_data_in_any_log_line_or_metric(channels: Channels) -> None:
    """The privacy sweep: a simulated book (account numbers, mobiles, emails, openids) runs
    through all three services; none of it may appear in a log or on a /metrics page."""
    run = f"{channels.kafka.topic_namespace}pii"
    items = list(simulated_book(12, days=40, run=run, start=CLOCK_DAY - timedelta(days=40)))
    await publish_items(channels.kafka, items)
    seeded: set[str] = set()
    for item in items:
        event = item.event
        for field in ("email", "mobile", "wechat_openid", "account_number"):
            value = getattr(event, field, None)
            if value:
                seeded.add(str(value))
                if field == "mobile":
                    seeded.add(str(value).removeprefix("+86"))  # as Aliyun writes it

    async def some_sent() -> bool:
        return any(r.to.startswith("+86138") for r in channels.providers.received())

    await eventually(some_sent, timeout_s=90)
    await asyncio.sleep(3)
    assert len(seeded) > 30
    pages = []
    async with aiohttp.ClientSession() as session:
        for service in SERVICES:
            async with session.get(channels.url(service, "/metrics")) as r:
                pages.append((f"{service} /metrics", await r.text()))
    logs = [
        (p.name, p.read_text(errors="replace")) for p in channels.stack.config.workdir.glob("*.log")
    ]
    assert {name for name, _ in logs} >= {"audit.log", "notifier.log", "scheduler.log"}
    for where, text in [*logs, *pages]:
        leaked = sorted(value for value in seeded if value in text)
        assert leaked == [], f"{where} contains personal data"
