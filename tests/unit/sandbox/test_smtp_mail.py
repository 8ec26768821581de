"""The sandbox's borrower replies and bounces, as they arrive at an SMTP server: readable by
the notifier as a reply and as a DSN naming the original send."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from sandbox.smtp import REPLY_ADDRESS, SmtpInbox, bounce, send_reply
from services.notifier.domain.email_inbound import ArrivedMail, read_mail


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    server = SmtpInbox().start()
    yield server
    server.stop()


def arrived(inbox: SmtpInbox) -> ArrivedMail:
    [message] = inbox.messages()
    del message["X-RcptTo"]
    return ArrivedMail("", (REPLY_ADDRESS,), message.as_bytes())


def test_a_reply_reads_as_the_borrowers_words(inbox: SmtpInbox) -> None:
    send_reply(inbox.port, "d1@borrower.example", "退订")
    mail = read_mail(arrived(inbox))
    assert (mail.sender, mail.text, mail.report) == ("d1@borrower.example", "退订", None)


def test_a_bounce_reads_as_a_failed_dsn_of_the_original(inbox: SmtpInbox) -> None:
    original = EmailMessage()
    original["To"] = "d1@borrower.example"
    original["Message-ID"] = "<abc@chenghe-bank.example>"
    original["X-Dunwell-Send"] = "req-1|email"
    bounce(inbox.port, original)
    report = read_mail(arrived(inbox)).report
    assert report is not None
    assert (report.verdict, report.status, report.recipient) == (
        "undeliverable",
        "5.1.1",
        "d1@borrower.example",
    )
    assert (report.message_id, report.send_key) == ("<abc@chenghe-bank.example>", "req-1|email")
