"""WeChat end to end on the real broker, the sandbox's account in safe mode (its pushes are
encrypted by an independent implementation): an encrypted unfollow stops WeChat messages to
that borrower; a send-finished push that overtook the send's answer (our 503) is taken once
when resent; a send-finished push settles a send whose answer was lost (uncertain); a
subscribe message, answered without an id, is named by its own send-finished push."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import sandbox_openid
from sandbox.stack import LOCAL_TOKENS, morning_of
from services.notifier.domain.sends import verification_code
from shared.events import ContactRequested
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
SECRET = b"local-development-only"  # the notifier's default verification key
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
CLOCK_DAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def wechat(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir = tmp_path_factory.mktemp("wechat")
    with provider_stack(broker, workdir, "wx", morning_of(CLOCK_DAY)) as system:
        assert system.providers.credentials.wechat_encryption == "safe"
        yield system


def request_for(debtor: str) -> ContactRequested:
    return contact_request(
        debtor_id=debtor,
        channels=("wechat",),
        due_date=CLOCK_DAY - timedelta(days=3),
        pay_by=CLOCK_DAY + timedelta(days=7),
    )


async def kinds_of(system: ProviderStack, debtor: str, request_id: str) -> list[str]:
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as s,
        s.get(system.url("audit", "/v1/timeline"), params={"debtor_id": debtor}) as r,
    ):
        entries: list[dict[str, Any]] = (await r.json())["entries"]
    return [
        str(e["content"].get("kind"))
        for e in entries
        if e["content"].get("request_id") in (request_id, None)
    ]


async def publish(system: ProviderStack, *events: Any) -> None:
    publisher = KafkaEventPublisher(system.kafka, service="e2e")
    await publisher.start()
    try:
        for event in events:
            topic = (
                system.kafka.topics.contact_requests
                if isinstance(event, ContactRequested)
                else system.kafka.topics.customer_events
            )
            await publisher.publish(topic, event)
    finally:
        await publisher.aclose()


async def known(system: ProviderStack, debtor: str, openid: str) -> None:
    topic = system.kafka.topics.customer_events
    before = await system.stack.consumed("notifier", topic)
    await publish(system, contact_details(debtor, wechat_openid=openid, locale="zh-CN"))

    async def taken() -> bool:
        return await system.stack.consumed("notifier", topic) >= before + 1

    await eventually(taken)


def to(system: ProviderStack, openid: str) -> int:
    return sum(1 for m in system.providers.received() if m.to == openid)


@pytest.mark.timeout(300)
async def test_an_encrypted_unfollow_stops_wechat_messages(wechat: ProviderStack) -> None:
    run = wechat.kafka.topic_namespace
    debtor, openid = f"{run}-U1", sandbox_openid(run, 1)
    await known(wechat, debtor, openid)
    first = request_for(debtor)
    await publish(wechat, first)

    async def delivered() -> bool:
        return "delivery_reported" in await kinds_of(wechat, debtor, first.event_id)

    await eventually(delivered, timeout_s=120)
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{wechat.providers.url}/wechat/_unfollow", json={"openid": openid}) as r,
    ):
        assert r.status == 200

    async def opted_out() -> bool:
        return "reply_received" in await kinds_of(wechat, debtor, "")

    await eventually(opted_out)
    second = request_for(debtor)
    await publish(wechat, second)

    async def blocked() -> bool:
        return "send_blocked" in await kinds_of(wechat, debtor, second.event_id)

    await eventually(blocked)
    assert to(wechat, openid) == 1
    assert (await kinds_of(wechat, debtor, "")).count("reply_received") == 1


@pytest.mark.timeout(300)
async def test_a_push_that_overtook_the_answer_is_taken_once_when_resent(
    wechat: ProviderStack,
) -> None:
    run = wechat.kafka.topic_namespace
    debtor, openid = f"{run}-E1", sandbox_openid(run, 2)
    await known(wechat, debtor, openid)
    wechat.providers.fault("wechat", "slow", count=1)
    request = request_for(debtor)
    await publish(wechat, request)

    async def delivered() -> bool:
        return "delivery_reported" in await kinds_of(wechat, debtor, request.event_id)

    await eventually(delivered, timeout_s=120)
    # The push came before the send's answer (the provider was slow to answer): the notifier
    # held it until the send settled (or, past that wait, answered 503 and took the resent
    # one), and took it once either way.
    kinds = await kinds_of(wechat, debtor, request.event_id)
    assert (kinds.count("message_sent"), kinds.count("delivery_reported")) == (1, 1)
    assert to(wechat, openid) == 1


@pytest.mark.timeout(300)
async def test_a_send_finished_push_settles_an_uncertain_send(wechat: ProviderStack) -> None:
    run = wechat.kafka.topic_namespace
    debtor, openid = f"{run}-S1", sandbox_openid(run, 3)
    await known(wechat, debtor, openid)
    wechat.providers.fault("wechat", "timeout", count=1)
    request = request_for(debtor)
    await publish(wechat, request)

    async def settled() -> bool:
        kinds = await kinds_of(wechat, debtor, request.event_id)
        return "send_uncertain" in kinds and "message_sent" in kinds

    await eventually(settled, timeout_s=120)

    async def receipted() -> bool:
        return "delivery_reported" in await kinds_of(wechat, debtor, request.event_id)

    await eventually(receipted)
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as s,
        s.get(wechat.url("audit", "/v1/timeline"), params={"debtor_id": debtor}) as r,
    ):
        entries = (await r.json())["entries"]
    [sent] = [e["content"] for e in entries if e["content"].get("kind") == "message_sent"]
    assert sent["verification_code"] == verification_code(SECRET, request.event_id, "wechat")
    assert to(wechat, openid) == 1  # never resent


@pytest.fixture(scope="module")
def subscribing(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    """The same system with the account sending subscribe messages."""
    workdir = tmp_path_factory.mktemp("wechat-subscribe")
    env = {"notifier": {"DUNWELL_NOTIFIER_WECHAT__MESSAGE_TYPE": "subscribe"}}
    with provider_stack(broker, workdir, "wxs", morning_of(CLOCK_DAY), env=env) as system:
        yield system


@pytest.mark.timeout(300)
async def test_a_subscribe_message_shows_what_the_gate_judged_and_its_push_names_it(
    subscribing: ProviderStack,
) -> None:
    """WeChat answers a subscribe message without an id; its subscribe_msg_sent_event (a MsgID
    the ledger never saw) is matched by the follower and recorded as the send's receipt."""
    run = subscribing.kafka.topic_namespace
    debtor, openid = f"{run}-B1", sandbox_openid(run, 4)
    await known(subscribing, debtor, openid)
    request = request_for(debtor)
    await publish(subscribing, request)

    async def receipted() -> bool:
        return "delivery_reported" in await kinds_of(subscribing, debtor, request.event_id)

    await eventually(receipted, timeout_s=120)
    [shown] = [m for m in subscribing.providers.received() if m.to == openid]
    assert shown.code == verification_code(SECRET, request.event_id, "wechat")
    assert "1234.50元" in shown.text  # a typed amount field: no thousands separator
    kinds = await kinds_of(subscribing, debtor, request.event_id)
    assert (kinds.count("message_sent"), kinds.count("delivery_reported")) == (1, 1)
