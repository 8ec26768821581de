"""Replies at the reply address, read as clients write them: charsets, HTML only, quoted text
and signatures cut away, the subject when the body is empty, automatic answers told apart."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from services.notifier.domain.email_inbound import (
    ArrivedMail,
    MailUnreadable,
    html_text,
    read_mail,
    recipient_domain,
    strip_quoted,
)
from tests.data.email import sample

SENDER = "zhang.san@borrower.example"


def arrived(raw: bytes, mail_from: str = SENDER) -> ArrivedMail:
    return ArrivedMail(mail_from, ("replies@chenghe-bank.example",), raw)


class TestReplies:
    def test_a_qq_mail_reply_in_gb18030_is_its_first_line(self) -> None:
        mail = read_mail(arrived(sample("reply_qq_gb18030", sender=SENDER, original_id="x@y")))
        assert mail.text == "退订"
        assert mail.sender == SENDER
        assert mail.report is None
        assert not mail.automatic

    def test_an_outlook_reply_loses_its_signature_and_the_quoted_message(self) -> None:
        mail = read_mail(arrived(sample("reply_outlook_extension", sender="Alex@Borrower.example")))
        assert mail.sender == "alex@borrower.example"  # matched case-insensitively
        assert mail.text.startswith("Hello, I lost my job last month.")
        assert "extension of a few weeks to pay?" in mail.text
        assert "Sent from my iPhone" not in mail.text
        assert "UNSUBSCRIBE" not in mail.text  # the bank's own words, quoted

    def test_an_html_only_gmail_reply_is_text_without_the_quote(self) -> None:
        mail = read_mail(arrived(sample("reply_gmail_html_only", sender=SENDER)))
        assert mail.text == "我下周五还5000元"

    def test_an_out_of_office_answer_is_automatic(self) -> None:
        assert read_mail(arrived(sample("auto_reply_out_of_office", sender=SENDER))).automatic

    def test_the_null_sender_is_a_program(self) -> None:
        raw = sample("reply_outlook_extension", sender=SENDER)
        assert read_mail(arrived(raw, mail_from="")).automatic

    def test_an_empty_body_falls_back_to_the_subject(self) -> None:
        message = EmailMessage()
        message["From"] = SENDER
        message["Subject"] = "Re: unsubscribe"
        message["Message-ID"] = "<m1@borrower.example>"
        message.set_content("\n")
        assert read_mail(arrived(message.as_bytes())).text == "unsubscribe"

    def test_one_message_has_one_dedupe_whatever_the_envelope(self) -> None:
        raw = sample("reply_outlook_extension", sender=SENDER)
        assert read_mail(arrived(raw)).dedupe == read_mail(arrived(raw, "other@x.example")).dedupe

    def test_nothing_to_read_is_unreadable(self) -> None:
        with pytest.raises(MailUnreadable):
            read_mail(arrived(b"\r\n\r\n"))

    def test_a_lying_charset_does_not_stop_the_reading(self) -> None:
        raw = (
            b"From: a@b.example\r\nMessage-ID: <z@b>\r\n"
            b'Content-Type: text/plain; charset="x-no-such-charset"\r\n\r\n'
            b"\xe9\x80\x80\xe8\xae\xa2\r\n"
        )
        assert read_mail(arrived(raw)).text == "退订"


class TestQuotedText:
    @pytest.mark.parametrize(
        "text",
        [
            "退订\n\n在 2026年12月1日 10:00，银行 <a@b> 写道：\n> 原文",
            "退订\nOn Tue, Dec 1, 2026 at 10:00 AM Bank <a@b> wrote:\n> original",
            "退订\nOn Tue, Dec 1, 2026 at 10:00 AM Bank\n<a@b> wrote:\n> original",
            "退订\n-----Original Message-----\nFrom: Bank",
            "退订\n------------------ 原始邮件 ------------------\n发件人: 银行",
            "退订\n发件人：银行\n发送时间：2026年12月1日",
            "退订\n-- \n张三\n13800000000",
            "退订\n\n发自我的iPhone",
            "> quoted first\n退订",
        ],
    )
    def test_what_is_cut(self, text: str) -> None:
        assert strip_quoted(text) == "退订"

    def test_a_reply_that_only_mentions_on_is_kept(self) -> None:
        assert strip_quoted("On Friday I will pay 500") == "On Friday I will pay 500"

    def test_html_breaks_and_quotes(self) -> None:
        html = (
            "<p>我已经还了</p><p>谢谢<br>张三</p>"
            "<blockquote>原文<br>…</blockquote><script>x</script>"
        )
        assert html_text(html) == "我已经还了\n谢谢\n张三"


def test_recipient_domains_compare_lower_case() -> None:
    assert recipient_domain("<Replies@Chenghe-Bank.Example>") == "chenghe-bank.example"
