"""The SMTP mailer against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.header import decode_header, make_header

import pytest

from sandbox.smtp import SmtpInbox, free_port
from services.notifier.adapters.smtp import MessageRefused, SmtpMailer
from services.notifier.settings import Settings
from services.notifier.templates import Rendered
from shared.errors import RetryableError


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    server = SmtpInbox().start()
    yield server
    server.stop()


def mailer_for(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(smtp_port=port, smtp_timeout_s=5))


@pytest.fixture
async def mailer(inbox: SmtpInbox) -> AsyncIterator[SmtpMailer]:
    client = mailer_for(inbox.port)
    yield client
    await client.aclose()


MESSAGE = Rendered(
    template="overdue-notice-v1@1",
    locale="zh-CN",
    subject="逾期还款提醒 ****5678",
    body="您的贷款已逾期 3 天。\nPay by 2026-03-11.",
    params={},
)


async def test_a_message_arrives_as_proper_utf8_mime(inbox: SmtpInbox, mailer: SmtpMailer) -> None:
    returned = await mailer.send("d1@borrower.example", MESSAGE, key="r1|email", message_id="abc")
    assert returned == ("smtp", "<abc@bank.example>")
    [mail] = inbox.messages()
    assert str(make_header(decode_header(mail["Subject"]))) == MESSAGE.subject
    assert mail["Message-ID"] == "<abc@bank.example>"
    assert mail["X-RcptTo"] == "d1@borrower.example"
    assert mail.get_content_charset() == "utf-8"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.decode("utf-8").startswith("您的贷款已逾期")


async def test_a_5xx_refusal_is_permanent(inbox: SmtpInbox, mailer: SmtpMailer) -> None:
    inbox.handler.refuse_next = "554 5.7.1 Message rejected"
    with pytest.raises(MessageRefused):
        await mailer.send("d1@borrower.example", MESSAGE, key="k", message_id="a")


async def test_a_4xx_deferral_is_retryable(inbox: SmtpInbox, mailer: SmtpMailer) -> None:
    inbox.handler.refuse_next = "451 4.3.0 Try again later"
    with pytest.raises(RetryableError):
        await mailer.send("d1@borrower.example", MESSAGE, key="k", message_id="a")


async def test_no_server_is_retryable() -> None:
    with pytest.raises(RetryableError):
        await mailer_for(free_port()).send("d1@borrower.example", MESSAGE, key="k", message_id="a")


async def test_one_connection_carries_many_messages(inbox: SmtpInbox) -> None:
    mailer = mailer_for(inbox.port)
    for i in range(3):
        await mailer.send(f"d{i}@borrower.example", MESSAGE, key=f"r{i}", message_id=f"m{i}")
    assert len(inbox.messages()) == 3
    assert inbox.handler.sessions == 1
    await mailer.aclose()


async def test_a_connection_closed_by_the_server_is_reopened(inbox: SmtpInbox) -> None:
    mailer = mailer_for(inbox.port)
    await mailer.send("d1@borrower.example", MESSAGE, key="r1", message_id="m1")
    await mailer.aclose()  # as if the server had timed the idle connection out
    await mailer.send("d2@borrower.example", MESSAGE, key="r2", message_id="m2")
    assert len(inbox.messages()) == 2
    await mailer.aclose()
