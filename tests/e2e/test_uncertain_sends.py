"""End to end on the real broker: a send whose answer was lost is never resent; Tencent's status
pull later confirms it (the code then verifies as genuine), and an email whose SMTP session
dropped stays possibly sent (the page says it may be genuine and to call, not "do not pay")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import sandbox_mobile
from sandbox.stack import LOCAL_TOKENS, morning_of
from services.notifier.domain.sends import verification_code
from shared.events import Channel, ContactRequested
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]
SECRET = b"local-development-only"  # the notifier's default verification key
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
CLOCK_DAY = date(2026, 11, 30)  # a day the calendar knows officially
#: Tencent lists a send in its status pull this long after it (the carrier's report); the
#: notifier's provider timeout is 3 s and its first ask just after: both come too early.
REPORT_DELAY_S = 8.0


@pytest.fixture(scope="module")
def system(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    workdir = tmp_path_factory.mktemp("uncertain")
    notifier = {
        "DUNWELL_NOTIFIER_SMS_PROVIDERS": '["tencent"]',
        "DUNWELL_NOTIFIER_RECONCILE_POLL_S": "1",
        "DUNWELL_NOTIFIER_RECONCILE_FIRST_S": "2",
    }
    with provider_stack(
        broker, workdir, "unc", morning_of(CLOCK_DAY), env={"notifier": notifier}
    ) as stack:
        yield stack


def request_for(debtor: str, channel: Channel) -> ContactRequested:
    dates = {"due_date": CLOCK_DAY - timedelta(days=3), "pay_by": CLOCK_DAY + timedelta(days=7)}
    return contact_request(debtor_id=debtor, channels=(channel,), **dates)


async def publish(system: ProviderStack, topic: str, *events: Any) -> None:
    publisher = KafkaEventPublisher(system.kafka, service="e2e")
    await publisher.start()
    try:
        for event in events:
            await publisher.publish(topic, event)
    finally:
        await publisher.aclose()


async def kinds(system: ProviderStack, request: ContactRequested) -> list[str]:
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as s,
        s.get(system.url("audit", "/v1/timeline"), params={"debtor_id": request.debtor_id}) as r,
    ):
        entries = (await r.json())["entries"]
    return [
        e["content"]["kind"] for e in entries if e["content"].get("request_id") == request.event_id
    ]


async def verify(system: ProviderStack, code: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(system.url("audit", "/v1/verify"), json={"code": code, "lang": "en"}) as r,
    ):
        answer: dict[str, Any] = await r.json()
    return answer


async def test_a_lost_answer_is_reconciled_or_stays_possibly_sent(system: ProviderStack) -> None:
    run = system.kafka.topic_namespace
    sms_debtor, mail_debtor = f"{run}-S1", f"{run}-M1"
    await publish(
        system,
        system.kafka.topics.customer_events,
        contact_details(sms_debtor, mobile=sandbox_mobile(801), locale="zh-CN"),
        contact_details(mail_debtor, mobile=sandbox_mobile(802), locale="zh-CN"),
    )
    await asyncio.sleep(5)  # the directory takes the details before the requests come
    system.providers.sandbox.state.status_delay_s["tencent"] = REPORT_DELAY_S
    system.providers.fault("tencent", "timeout", count=1)
    system.inbox.handler.refuse_next = "drop"  # taken, then the connection closes
    sms, mail = request_for(sms_debtor, "sms"), request_for(mail_debtor, "email")
    await publish(system, system.kafka.topics.contact_requests, sms, mail)
    sms_code = verification_code(SECRET, sms.event_id, "sms")
    mail_code = verification_code(SECRET, mail.event_id, "email")

    async def reconciled() -> bool:
        return "message_sent" in await kinds(system, sms)

    await eventually(reconciled, timeout_s=120)
    assert (await kinds(system, sms))[0] == "send_uncertain"  # uncertain first, then found
    confirmed = await verify(system, sms_code)  # (the lookup is rate-limited: ask once)
    assert (confirmed["genuine"], confirmed["channel"]) == (True, "sms")
    assert "possibly_sent" not in confirmed

    async def mail_uncertain() -> bool:
        return "send_uncertain" in await kinds(system, mail)

    await eventually(mail_uncertain, timeout_s=60)
    answer = await verify(system, mail_code)
    assert answer["genuine"] is False
    assert answer["possibly_sent"] is True
    assert answer["hotline"]
    await asyncio.sleep(3)  # a resend would have arrived by now
    delivered = system.delivered()
    assert delivered[("sms", sms_code)] == 1
    assert delivered[("email", mail_code)] == 1  # the relay had it: never sent twice
    assert "message_sent" not in await kinds(system, mail)
