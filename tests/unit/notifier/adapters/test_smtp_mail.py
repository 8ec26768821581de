"""An email as the mailer makes it: byte for byte what the standard library's own classes make
(its header classes are made once per name, nothing else differs)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.header import decode_header, make_header

import pytest

from services.notifier.adapters import smtp
from services.notifier.adapters.smtp import HeaderClasses, SmtpMailer
from services.notifier.domain.templates import Rendered
from services.notifier.settings import Settings

UNSUBSCRIBE = (
    "<https://notifier.chenghe-bank.example/v1/email/unsubscribe/v1." + "T" * 160 + ">, "
    "<mailto:replies@bank.example?subject=unsubscribe>"
)
MESSAGES = [
    Rendered(
        template="overdue-notice-v1@1",
        locale="zh-CN",
        subject="逾期还款提醒 ****5678",
        body="您的贷款已逾期 3 天，应还 1,234.00 元。\n请于 2026-03-11 前还款。\n" * 4,
        params={},
        headers=(("List-Unsubscribe", UNSUBSCRIBE), ("List-Unsubscribe-Post", "x")),
    ),
    Rendered(
        template="overdue-notice-v1@1",
        locale="en",
        subject="Your loan ****5678 is 3 days overdue",
        body="Please pay GBP 1,234.00 by 11 March 2026.\n" + "x" * 120 + "\n",
        params={},
    ),
    Rendered(
        template="overdue-notice-v1@1",
        locale="en",
        subject="Café repayment reminder",
        body="Mostly plain text with one é in it.\n",
        params={},
    ),
]


def _wire(mailer: SmtpMailer, message: Rendered) -> bytes:
    return mailer._mail("d1@borrower.example", message, "abc", "r1|email").as_bytes(
        policy=smtp.WIRE
    )


@pytest.mark.parametrize("message", MESSAGES, ids=["zh-CN", "ascii", "latin"])
def test_the_bytes_are_the_standard_librarys(
    message: Rendered, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smtp, "formatdate", lambda localtime: "Tue, 03 Mar 2026 09:00:00 -0000")
    mailer = SmtpMailer(Settings(email={"reply_address": "replies@bank.example"}))
    made = _wire(mailer, message)
    monkeypatch.setattr(smtp, "MAKING", policy.default)
    monkeypatch.setattr(smtp, "WIRE", policy.SMTP.clone(max_line_length=998))
    assert made == _wire(mailer, message)
    parsed = message_from_bytes(made, policy=policy.default)
    assert str(make_header(decode_header(parsed["Subject"]))) == message.subject
    assert parsed.get_content().replace("\r\n", "\n") == message.body


def test_a_header_class_is_made_once_per_name() -> None:
    classes = HeaderClasses()
    assert classes["To"] is classes["to"] is classes["TO"]
    assert classes["To"] is not classes["Subject"]
    assert classes["X-Dunwell-Send"]("X-Dunwell-Send", "r1|email") == "r1|email"
