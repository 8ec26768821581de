"""The reply address on the real application (memory deps, the real aiosmtpd listener), with
the standard library's smtplib as the sending server: a reply 退订 stops emails, mail for other
domains is refused at RCPT, DKIM failures are refused, a failure to take mail is a 451."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import replace

import pytest

from services.notifier.adapters.email_listener import SmtpListener
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app
from services.notifier.settings import Settings
from shared.errors import RetryableError
from shared.testing.factories import contact_details, contact_request
from tests.component.test_notifier_consumer import TOPICS, ClientFactory, Wiring, eventually
from tests.data.email import sample

SETTINGS = Settings(email={"reply_address": "replies@chenghe-bank.example"})
ADDRESS = "zhang.san@borrower.example"


def deliver(port: int, raw: bytes, sender: str = ADDRESS, to: str = SETTINGS.reply_address) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(sender, [to], raw)


class Dkim:
    async def verify(self, raw: bytes) -> bool:
        return False


def listener() -> SmtpListener:
    return SmtpListener("127.0.0.1", 0, max_bytes=1_000_000, hostname="chenghe-bank.example")


async def test_an_emailed_tuiding_stops_the_next_email(aiohttp_client: ClientFactory) -> None:
    server = listener()
    wiring = Wiring(mail_server=server)
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    first = contact_request(channels=("email",))
    debtor = first.debtor_id
    wiring.arrive(TOPICS.customer_events, contact_details(debtor, email=ADDRESS))
    await eventually(lambda: debtor in wiring.store.contacts)
    wiring.arrive(TOPICS.contact_requests, first)
    await eventually(lambda: len(wiring.email.sent) == 1)

    raw = sample("reply_qq_gb18030", sender=ADDRESS, original_id="x@y")
    await asyncio.to_thread(deliver, server.port, raw)
    assert wiring.store.opt_outs[debtor] == {"email"}

    second = contact_request(debtor_id=debtor, loan_id=first.loan_id, channels=("email",))
    wiring.arrive(TOPICS.contact_requests, second)
    await eventually(
        lambda: any(
            i.request_id == second.event_id and i.kind == "send_blocked"
            for i in wiring.interactions()
        )
    )
    assert len(wiring.email.sent) == 1
    replies = [i for i in wiring.interactions() if i.kind == "reply_received"]
    assert [(i.provider, i.channel, i.debtor_id) for i in replies] == [("smtp", "email", debtor)]


async def test_mail_for_another_domain_is_refused_at_rcpt(aiohttp_client: ClientFactory) -> None:
    server = listener()
    wiring = Wiring(mail_server=server)
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    raw = sample("reply_outlook_extension", sender=ADDRESS)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await asyncio.to_thread(deliver, server.port, raw, ADDRESS, "someone@elsewhere.example")
    assert wiring.store.kept == {}


async def test_a_required_dkim_check_that_fails_is_refused_and_kept(
    aiohttp_client: ClientFactory,
) -> None:
    server = listener()
    wiring = Wiring(mail_server=server, dkim=Dkim())
    await aiohttp_client(build_app(SETTINGS, wiring.deps))
    raw = sample("reply_outlook_extension", sender=ADDRESS)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(deliver, server.port, raw)
    assert refused.value.smtp_code == 550
    assert [k.reason for k in wiring.store.kept.values()] == ["dkim_failed"]


class Unavailable(InMemoryNotifierStore):
    async def find_debtor(self, point_id: str) -> str | None:
        raise RetryableError("database unavailable", defer_s=1.0)


async def test_mail_that_cannot_be_taken_now_is_a_451(aiohttp_client: ClientFactory) -> None:
    server = listener()
    wiring = Wiring(mail_server=server)
    deps = replace(wiring.deps, store=Unavailable())
    await aiohttp_client(build_app(SETTINGS, deps))
    raw = sample("reply_outlook_extension", sender=ADDRESS)
    with pytest.raises(smtplib.SMTPDataError) as later:
        await asyncio.to_thread(deliver, server.port, raw)
    assert later.value.smtp_code == 451  # the sending server keeps it and tries again
