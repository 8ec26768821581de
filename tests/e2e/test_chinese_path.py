"""China by default, end to end, in 2027: Chinese SMS, email and WeChat messages reach their
borrowers on the real broker through the provider sandbox and a real SMTP server, each SMS
within three segments, each verification code genuine on the audit service; a request that
arrives before its borrower's contact details is delivered once they arrive; a deferred send
withdrawn because the borrower paid never goes out.

The gate's clock is 09:00 in Shanghai on ``DUNWELL_TEST_DATE`` (default 2027-01-04, a Monday
in a year whose holiday calendar is still provisional).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import publish_book, sandbox_mobile, sandbox_openid
from sandbox.smtp import SmtpInbox
from sandbox.stack import LOCAL_TOKENS, morning_of, run_date
from services.notifier.domain.policy.content import sms_segments
from services.notifier.domain.sends import verification_code
from shared.calendars import CALENDARS_DIR, load_calendar
from shared.events import Channel, ContactRequested, RepaymentPosted
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request, overdue
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
CALENDAR = load_calendar(CALENDARS_DIR / "cn.yaml")
DAY = run_date()
while CALENDAR.info(DAY).no_contact:  # nothing is sent on Spring Festival eve and day 1
    DAY += timedelta(days=1)
SECRET = b"local-development-only"
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
HAN = re.compile(r"[\u4e00-\u9fff]")


China = ProviderStack


@pytest.fixture(scope="module")
def china(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[China]:
    workdir = tmp_path_factory.mktemp("china")
    with provider_stack(broker, workdir, "cn", morning_of(DAY)) as system:
        yield system


def request_for(debtor: str, channel: Channel, **fields: Any) -> ContactRequested:
    """An overdue notice as the scheduler writes it on ``DAY``: an amount with thousands."""
    values: dict[str, Any] = {
        "debtor_id": debtor,
        "channels": (channel,),
        "amount_due": "1234567.89",
        "due_date": DAY - timedelta(days=6),
        "days_past_due": 6,
        "pay_by": DAY + timedelta(days=7),
    }
    return contact_request(**(values | fields))


async def publish(china: China, topic: str, *events: Any) -> None:
    publisher = KafkaEventPublisher(china.kafka, service="e2e")
    await publisher.start()
    try:
        for event in events:
            await publisher.publish(topic, event)
    finally:
        await publisher.aclose()


def chinese_details(debtor: str, n: int, run: str, **fields: Any) -> Any:
    return contact_details(
        debtor,
        mobile=sandbox_mobile(n),
        wechat_openid=sandbox_openid(run, n),
        locale="zh-CN",
        **fields,
    )


async def timeline(china: China, debtor: str) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as s,
        s.get(china.url("audit", "/v1/timeline"), params={"debtor_id": debtor}) as r,
    ):
        body = await r.json()
    entries: list[dict[str, Any]] = body["entries"]
    return entries


async def kinds_of(china: China, debtor: str, request_id: str) -> set[str]:
    return {
        e["content"].get("kind")
        for e in await timeline(china, debtor)
        if e["content"].get("request_id") == request_id
    }


def mail_text(code: str, inbox: SmtpInbox) -> str | None:
    for raw in inbox.messages():
        message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        if code in text:
            return f"{message['Subject']}\n{text}"
    return None


async def genuine(china: China, code: str) -> bool:
    async with (
        aiohttp.ClientSession() as s,
        s.post(china.url("audit", "/v1/verify"), json={"code": code}) as r,
    ):
        return bool((await r.json())["genuine"])


async def test_chinese_sms_email_and_wechat_are_delivered_and_verifiable(china: China) -> None:
    run = china.kafka.topic_namespace
    # One channel each: in a provisional year the holiday policy allows one message a day.
    channels: tuple[Channel, ...] = ("sms", "email", "wechat")
    plan = [(f"{run}-C{n}", c) for n, c in enumerate(channels)]
    details = [chinese_details(debtor, 700 + n, run) for n, (debtor, _) in enumerate(plan)]
    await publish(china, china.kafka.topics.customer_events, *details)
    await eventually(
        lambda: _consumed(china, china.kafka.topics.customer_events, len(plan)), timeout_s=150
    )
    requests = [request_for(debtor, channel) for debtor, channel in plan]
    await publish(china, china.kafka.topics.contact_requests, *requests)
    codes: dict[str, str] = {
        r.channels[0]: verification_code(SECRET, r.event_id, r.channels[0]) for r in requests
    }

    def texts() -> dict[str, str | None]:
        phones = {m.code: m.text for m in china.providers.received()}
        return {
            "sms": phones.get(codes["sms"]),
            "wechat": phones.get(codes["wechat"]),
            "email": mail_text(codes["email"], china.inbox),
        }

    async def all_arrived() -> bool:
        return all(texts().values())

    await eventually(all_arrived, timeout_s=90)
    arrived = texts()
    for channel, text in arrived.items():
        assert text is not None
        # SMS and email carry the whole Chinese text; a WeChat template message shows the
        # approved template's fields (amount, date and code, written the Chinese way).
        if channel != "wechat":
            assert len(HAN.findall(text)) > 20, (channel, text)
        assert codes[channel] in text
        assert "1,234,567.89元" in text, (channel, text)
        pay_by = DAY + timedelta(days=7)
        assert f"{pay_by.month}月{pay_by.day}日" in text, (channel, text)

    async def all_audited() -> bool:  # (the public lookup is rate-limited: ask once each)
        return all(
            ["message_sent" in await kinds_of(china, r.debtor_id, r.event_id) for r in requests]
        )

    await eventually(all_audited, timeout_s=30)
    for channel, code in codes.items():
        assert await genuine(china, code), channel
    sms = arrived["sms"]
    assert sms is not None
    assert sms_segments(sms) <= 3, (sms_segments(sms), sms)
    assert not await genuine(china, "ZZZZ2222")


async def test_a_request_before_its_contact_details_is_delivered_once_they_arrive(
    china: China,
) -> None:
    run = china.kafka.topic_namespace
    debtor = f"{run}-LATE"
    request = request_for(debtor, "sms")
    await publish(china, china.kafka.topics.contact_requests, request)

    async def held() -> bool:
        return "send_held" in await kinds_of(china, debtor, request.event_id)

    await eventually(held, timeout_s=120)
    await publish(china, china.kafka.topics.customer_events, chinese_details(debtor, 777, run))
    code = verification_code(SECRET, request.event_id, "sms")

    async def delivered() -> bool:
        return any(m.code == code for m in china.providers.received())

    await eventually(delivered, timeout_s=60)
    await asyncio.sleep(3)
    assert [m.code for m in china.providers.received()].count(code) == 1
    assert "message_sent" in await kinds_of(china, debtor, request.event_id)


async def test_a_borrower_who_pays_before_a_deferred_send_gets_no_overdue_message(
    china: China,
) -> None:
    """Through the scheduler: an instalment a week overdue gives a reminder by email and SMS;
    on a provisional day the holiday policy lets one message go and defers the other to the
    next morning; the borrower pays; the scheduler withdraws the loan's requests and the
    deferred SMS is never sent."""
    run = china.kafka.topic_namespace
    debtor = f"{run}-PAID"
    due = overdue(
        debtor_id=debtor,
        occurred_at=datetime.combine(DAY, time(1, 30), UTC),  # 09:30 in Shanghai
        due_date=DAY - timedelta(days=7),
        days_past_due=7,
    )
    await publish_book(
        china.kafka, [("customer", chinese_details(debtor, 778, run)), ("loan", due)]
    )

    async def pair(kind: str) -> dict[str, Any] | None:
        for entry in await timeline(china, debtor):
            content: dict[str, Any] = entry["content"]
            if content.get("kind") == kind and content.get("loan_id") == due.loan_id:
                return content
        return None

    async def deferred() -> bool:
        return await pair("send_deferred") is not None

    await eventually(deferred, timeout_s=120)
    waiting = await pair("send_deferred")
    assert waiting is not None
    paid = RepaymentPosted(
        event_id=f"{run}-pay",
        occurred_at=datetime.combine(DAY, time(2, 0), UTC),
        loan_id=due.loan_id,
        debtor_id=debtor,
        amount=due.amount_due,
        value_date=DAY,
    )
    await publish_book(china.kafka, [("loan", paid)])

    async def withdrawn() -> bool:
        found = await pair("send_withdrawn")
        return found is not None and found["channel"] == waiting["channel"]

    await eventually(withdrawn, timeout_s=90)
    found = await pair("send_withdrawn")
    assert found is not None
    assert found["request_id"] == waiting["request_id"]
    assert "cured" in found["reason"]
    code = verification_code(SECRET, waiting["request_id"], waiting["channel"])
    phones = [m.code for m in china.providers.received()]
    assert code not in phones
    assert mail_text(code, china.inbox) is None


async def _consumed(china: China, topic: str, wanted: int) -> bool:
    return bool(await china.stack.consumed("notifier", topic) >= wanted)
