"""Email both ways, end to end on the real broker with a real SMTP server: an email reply 退订
(sent with smtplib to the notifier's own listener) and a one-click unsubscribe each stop emails
to that borrower; a bounce (RFC 3464) marks the address undeliverable, so the next email is not
attempted while the borrower still gets SMS."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import Message
from typing import Any

import aiohttp
import pytest

from sandbox.loanbook import sandbox_mobile
from sandbox.smtp import REPLY_ADDRESS, bounce, free_port, send_reply
from sandbox.stack import LOCAL_TOKENS, morning_of
from shared.events import ContactRequested
from shared.kafka import KafkaEventPublisher
from shared.testing.factories import contact_details, contact_request
from tests.polling import eventually
from tests.support.stack import ProviderStack, provider_stack

pytestmark = pytest.mark.broker
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
CLOCK_DAY = date(2026, 11, 30)  # a working day the calendar knows officially
MAIL_PORT = free_port()


def fresh_request(**fields: Any) -> ContactRequested:
    dates = {"due_date": CLOCK_DAY - timedelta(days=3), "pay_by": CLOCK_DAY + timedelta(days=7)}
    return contact_request(**(dates | fields))


@pytest.fixture(scope="module")
def mail(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    env = {
        "notifier": {
            "DUNWELL_NOTIFIER_EMAIL__INBOUND_PORT": str(MAIL_PORT),
            "DUNWELL_NOTIFIER_EMAIL__REPLY_ADDRESS": REPLY_ADDRESS,
        }
    }
    workdir = tmp_path_factory.mktemp("mail")
    with provider_stack(broker, workdir, "mail", morning_of(CLOCK_DAY), env=env) as system:
        yield system


async def kinds(system: ProviderStack, debtor: str) -> list[tuple[str, str, str | None]]:
    """(kind, channel, request id) of every interaction of the debtor in the audit log."""
    async with (
        aiohttp.ClientSession(headers=AUDITOR) as s,
        s.get(system.url("audit", "/v1/timeline"), params={"debtor_id": debtor}) as r,
    ):
        body = await r.json()
    return [
        (e["content"].get("kind"), e["content"].get("channel"), e["content"].get("request_id"))
        for e in body["entries"]
    ]


def mails_to(system: ProviderStack, address: str) -> list[Message]:
    return [m for m in system.inbox.messages() if m["X-RcptTo"] == address]


def unsubscribe_link(message: Message) -> str:
    return str(message["List-Unsubscribe"]).split(",")[0].strip().strip("<>")


@pytest.mark.timeout(300)
async def test_a_reply_an_unsubscribe_and_a_bounce_each_stop_emails(
    mail: ProviderStack,
) -> None:
    run = mail.kafka.topic_namespace
    replier, clicker, bounced = (f"{run}-{who}" for who in ("R", "U", "B"))
    address = {d: f"{d}@borrower.example".lower() for d in (replier, clicker, bounced)}
    publisher = KafkaEventPublisher(mail.kafka, service="e2e")
    await publisher.start()
    try:
        topic = mail.kafka.topics.customer_events
        for n, debtor in enumerate((replier, clicker, bounced)):
            details = contact_details(
                debtor, email=address[debtor], mobile=sandbox_mobile(700 + n), locale="zh-CN"
            )
            await publisher.publish(topic, details)
        await eventually(
            lambda: _at_least(mail.stack.consumed("notifier", topic), 3), timeout_s=150
        )
        for debtor in (replier, clicker, bounced):
            await publisher.publish(
                mail.kafka.topics.contact_requests,
                fresh_request(debtor_id=debtor, channels=("email",)),
            )

        async def all_mailed() -> bool:
            return all(len(mails_to(mail, address[d])) == 1 for d in address)

        await eventually(all_mailed, timeout_s=120)

        # The borrowers answer: a reply 退订 by email, a one-click unsubscribe, a bounce.
        await asyncio.to_thread(send_reply, MAIL_PORT, address[replier], "退订")
        [clicked] = mails_to(mail, address[clicker])
        assert clicked["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        async with (
            aiohttp.ClientSession() as s,
            s.post(unsubscribe_link(clicked), data={"List-Unsubscribe": "One-Click"}) as r,
        ):
            assert r.status == 200
        [returned] = mails_to(mail, address[bounced])
        await asyncio.to_thread(bounce, MAIL_PORT, returned)

        await eventually(lambda: recorded(mail, replier, clicker, bounced), timeout_s=60)

        seconds = {
            replier: fresh_request(debtor_id=replier, channels=("email",)),
            clicker: fresh_request(debtor_id=clicker, channels=("email",)),
            bounced: fresh_request(debtor_id=bounced, channels=("email", "sms")),
        }
        for request in seconds.values():
            await publisher.publish(mail.kafka.topics.contact_requests, request)

        async def stopped() -> bool:
            wanted = {replier: "send_blocked", clicker: "send_blocked", bounced: "send_held"}
            for debtor, kind in wanted.items():
                entries = await kinds(mail, debtor)
                if (kind, "email", seconds[debtor].event_id) not in entries:
                    return False
            return any(m.to == sandbox_mobile(702) for m in mail.providers.received())

        await eventually(stopped, timeout_s=90)
    finally:
        await publisher.aclose()
    await asyncio.sleep(2)  # an email that should not go would have arrived by now
    for debtor in address:
        assert len(mails_to(mail, address[debtor])) == 1, debtor
    # The opt-outs are recorded once each, however the borrower said it.
    for debtor in (replier, clicker):
        replies = [k for k, c, _ in await kinds(mail, debtor) if k == "reply_received"]
        assert len(replies) == 1, debtor


async def recorded(mail: ProviderStack, replier: str, clicker: str, bounced: str) -> bool:
    """Each borrower's answer is in the evidence log."""
    wanted = {replier: "reply_received", clicker: "reply_received", bounced: "delivery_reported"}
    for debtor, kind in wanted.items():
        if not any(k == kind and c == "email" for k, c, _ in await kinds(mail, debtor)):
            return False
    return True


async def _at_least(value: Any, wanted: int) -> bool:
    return bool(await value >= wanted)
