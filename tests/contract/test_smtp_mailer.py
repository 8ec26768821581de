"""The SMTP mailer against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest

from sandbox.smtp import SmtpInbox, free_port
from services.notifier.adapters.smtp import MessageRefused, SmtpMailer
from services.notifier.domain import RenderedMessage
from services.notifier.settings import Settings
from shared.errors import RetryableError


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    server = SmtpInbox().start()
    yield server
    server.stop()


def mailer_for(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(smtp_port=port, smtp_timeout_s=5))


MESSAGE = RenderedMessage(
    subject="逾期还款提醒 ****5678", body="您的贷款已逾期 3 天。\nPay by 2026-03-11."
)


async def test_a_message_arrives_as_proper_utf8_mime(inbox: SmtpInbox) -> None:
    returned = await mailer_for(inbox.port).send(
        "d1@borrower.example", MESSAGE, message_id="<abc@bank.example>"
    )
    assert returned == "<abc@bank.example>"
    [mail] = inbox.messages()
    assert str(make_header(decode_header(mail["Subject"]))) == MESSAGE.subject
    assert mail["Message-ID"] == "<abc@bank.example>"
    assert mail["X-RcptTo"] == "d1@borrower.example"
    assert mail.get_content_charset() == "utf-8"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.decode("utf-8").startswith("您的贷款已逾期")


async def test_a_5xx_refusal_is_permanent(inbox: SmtpInbox) -> None:
    inbox.handler.refuse_next = "554 5.7.1 Message rejected"
    with pytest.raises(MessageRefused):
        await mailer_for(inbox.port).send("d1@borrower.example", MESSAGE, message_id="<a@b>")


async def test_a_4xx_deferral_is_retryable(inbox: SmtpInbox) -> None:
    inbox.handler.refuse_next = "451 4.3.0 Try again later"
    with pytest.raises(RetryableError):
        await mailer_for(inbox.port).send("d1@borrower.example", MESSAGE, message_id="<a@b>")


async def test_no_server_is_retryable() -> None:
    with pytest.raises(RetryableError):
        await mailer_for(free_port()).send("d1@borrower.example", MESSAGE, message_id="<a@b>")
