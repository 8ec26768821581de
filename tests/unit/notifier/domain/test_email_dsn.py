"""Delivery status notifications (RFC 3464) as Postfix and sendmail write them."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from services.notifier.domain.email_dsn import DeliveryReport, is_report, read_report
from services.notifier.domain.email_inbound import ArrivedMail, read_mail
from tests.data.email import sample

FIELDS = {
    "recipient": "Gone.Away@Borrower.example",
    "original_id": "<5f1c@chenghe-bank.example>",
    "send_key": "req-1|email",
}


def report_of(name: str) -> DeliveryReport | None:
    mail = read_mail(ArrivedMail("", ("replies@bank.example",), sample(name, **FIELDS)))
    return mail.report


def test_a_postfix_bounce_is_a_permanent_failure_of_our_send() -> None:
    report = report_of("dsn_failed_postfix")
    assert report == DeliveryReport(
        action="failed",
        status="5.1.1",
        recipient="gone.away@borrower.example",
        message_id="<5f1c@chenghe-bank.example>",
        send_key="req-1|email",
    )
    assert report.verdict == "undeliverable"


def test_a_sendmail_warning_is_only_a_delay() -> None:
    report = report_of("dsn_delayed_sendmail")
    assert report is not None
    assert (report.action, report.status, report.verdict) == ("delayed", "4.4.7", "delayed")
    assert report.message_id == FIELDS["original_id"]  # from the attached message/rfc822
    assert report.send_key == FIELDS["send_key"]


def test_a_reply_is_not_a_report() -> None:
    raw = sample("reply_outlook_extension", sender="a@b.example")
    assert not is_report(message_from_bytes(raw, policy=policy.default))


def test_the_worst_recipient_decides() -> None:
    message = EmailMessage()
    message["From"] = "MAILER-DAEMON@relay.example"
    message.set_content("see below")
    message.make_mixed()
    blocks = (
        "Reporting-MTA: dns; relay.example\n\n"
        "Final-Recipient: rfc822; a@x.example\nAction: delayed\nStatus: 4.4.1\n\n"
        "Final-Recipient: rfc822; b@x.example\nAction: failed\nStatus: 5.2.1 (mailbox full)\n"
    )
    raw = message.as_bytes().replace(
        b"multipart/mixed", b"multipart/report; report-type=delivery-status"
    )
    boundary = message.get_boundary()
    assert boundary is not None
    part = f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n{blocks}\r\n".encode()
    raw = raw.replace(f"--{boundary}--".encode(), part + f"--{boundary}--".encode())
    report = read_report(message_from_bytes(raw, policy=policy.default))
    assert report is not None
    assert (report.recipient, report.status, report.verdict) == (
        "b@x.example",
        "5.2.1",
        "undeliverable",
    )
    assert report.message_id is None


def test_a_report_without_recipient_blocks_says_nothing() -> None:
    raw = (
        b"From: MAILER-DAEMON@x\r\nContent-Type: multipart/report; report-type=delivery-status;"
        b' boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsorry\r\n--b--\r\n'
    )
    assert read_report(message_from_bytes(raw, policy=policy.default)) is None
