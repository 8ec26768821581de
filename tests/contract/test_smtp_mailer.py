"""The SMTP mailer against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from sandbox.smtp import SmtpInbox, free_port
from services.notifier.adapters.smtp import MessageRefused, SmtpMailer
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.templates import Rendered
from services.notifier.settings import Settings
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
    assert returned == ("smtp", "<abc@chenghe-bank.example>")
    [mail] = inbox.messages()
    assert str(make_header(decode_header(mail["Subject"]))) == MESSAGE.subject
    assert mail["Message-ID"] == "<abc@chenghe-bank.example>"
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


async def test_a_connection_dropped_after_the_message_is_uncertain_and_then_reopened(
    inbox: SmtpInbox, mailer: SmtpMailer
) -> None:
    """The server took the message but the connection broke before its reply: the sender
    cannot know, so the send is uncertain (never retried blindly); the next send reconnects."""
    inbox.handler.refuse_next = "drop"
    with pytest.raises(DeliveryUncertain):
        await mailer.send("d1@borrower.example", MESSAGE, key="k1", message_id="a")
    assert len(inbox.messages()) == 1  # it did arrive
    await mailer.send("d2@borrower.example", MESSAGE, key="k2", message_id="b")
    assert len(inbox.messages()) == 2


async def test_faults_at_a_rate_are_a_mix_of_the_kinds_asked_for(
    inbox: SmtpInbox, mailer: SmtpMailer
) -> None:
    inbox.handler.inject(1.0, "451 4.3.0 busy", "554 5.7.1 refused")
    outcomes = set()
    for n in range(12):
        try:
            await mailer.send(f"d{n}@borrower.example", MESSAGE, key=f"k{n}", message_id=f"m{n}")
        except (RetryableError, MessageRefused) as e:
            outcomes.add(type(e).__name__)
    assert outcomes == {"RetryableError", "MessageRefused"}
    assert inbox.messages() == []


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


async def test_overlapping_sends_go_side_by_side_on_at_most_the_sessions_set(
    inbox: SmtpInbox,
) -> None:
    """Eight emails at once on four sessions: four connections, each carrying two; a session
    that broke is reopened by the next send that takes it, the others untouched."""
    mailer = SmtpMailer(Settings(smtp_port=inbox.port, smtp_timeout_s=5, smtp_sessions=4))
    try:
        await asyncio.gather(
            *(
                mailer.send(f"d{i}@borrower.example", MESSAGE, key=f"r{i}", message_id=f"m{i}")
                for i in range(8)
            )
        )
        assert len(inbox.messages()) == 8
        assert inbox.handler.sessions == 4
        inbox.handler.refuse_next = "drop"
        with pytest.raises(DeliveryUncertain):
            await mailer.send("d8@borrower.example", MESSAGE, key="r8", message_id="m8")
        for i in range(9, 12):  # one after another: the session used last, reopened once
            await mailer.send(f"d{i}@borrower.example", MESSAGE, key=f"r{i}", message_id=f"m{i}")
        assert len(inbox.messages()) == 12
        assert inbox.handler.sessions == 5
    finally:
        await mailer.aclose()


async def test_one_session_carries_overlapping_sends_one_after_another(inbox: SmtpInbox) -> None:
    mailer = SmtpMailer(Settings(smtp_port=inbox.port, smtp_timeout_s=5, smtp_sessions=1))
    try:
        await asyncio.gather(
            *(
                mailer.send(f"d{i}@borrower.example", MESSAGE, key=f"r{i}", message_id=f"m{i}")
                for i in range(5)
            )
        )
    finally:
        await mailer.aclose()
    assert len(inbox.messages()) == 5
    assert inbox.handler.sessions == 1


async def test_a_connection_closed_by_the_server_is_reopened(inbox: SmtpInbox) -> None:
    mailer = mailer_for(inbox.port)
    await mailer.send("d1@borrower.example", MESSAGE, key="r1", message_id="m1")
    await mailer.aclose()  # as if the server had timed the idle connection out
    await mailer.send("d2@borrower.example", MESSAGE, key="r2", message_id="m2")
    assert len(inbox.messages()) == 2
    await mailer.aclose()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as a relay in a bank would have (CA-signed)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.bank.example")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "relay.pem", folder / "relay.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_starttls_is_negotiated_and_the_relay_certificate_checked(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    relay = SmtpInbox(tls=context).start()
    try:
        trusted = SmtpMailer(
            Settings(
                smtp_port=relay.port,
                smtp_timeout_s=5,
                smtp_security="starttls",
                smtp_ca_file=str(cert),
            )
        )
        await trusted.send("d1@borrower.example", MESSAGE, key="k", message_id="tls1")
        await trusted.aclose()
        assert len(relay.messages()) == 1
        plain = mailer_for(relay.port)  # no STARTTLS: the relay refuses the mail
        with pytest.raises((RetryableError, MessageRefused)):
            await plain.send("d1@borrower.example", MESSAGE, key="k", message_id="tls2")
        await plain.aclose()
        untrusted = SmtpMailer(
            Settings(smtp_port=relay.port, smtp_timeout_s=5, smtp_security="starttls")
        )
        with pytest.raises(RetryableError):  # an unknown certificate is never trusted
            await untrusted.send("d1@borrower.example", MESSAGE, key="k", message_id="tls3")
        await untrusted.aclose()
        assert len(relay.messages()) == 1
    finally:
        relay.stop()


async def test_a_message_carries_its_send_key_reply_address_and_list_headers(
    inbox: SmtpInbox,
) -> None:
    settings = Settings(
        smtp_port=inbox.port, smtp_timeout_s=5, email={"reply_address": "replies@bank.example"}
    )
    client = SmtpMailer(settings)
    link = "https://notifier.chenghe-bank.example/v1/email/unsubscribe/v1." + "T" * 160
    unsubscribe = f"<{link}>, <mailto:replies@bank.example?subject=unsubscribe>"
    headers = (("List-Unsubscribe", unsubscribe), ("List-Unsubscribe-Post", "x"))
    try:
        await client.send(
            "d1@borrower.example",
            replace(MESSAGE, headers=headers),
            key="r1|email",
            message_id="abc",
        )
    finally:
        await client.aclose()
    [mail] = inbox.messages()
    assert mail["X-Dunwell-Send"] == "r1|email"
    assert mail["Reply-To"] == "replies@bank.example"
    # One URI a mail client can follow: never folded into encoded words.
    assert mail["List-Unsubscribe"] == unsubscribe
    assert mail["List-Unsubscribe-Post"] == "x"
