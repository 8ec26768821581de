"""A real SMTP server (aiosmtpd) that keeps every message it accepts: the borrowers' inbox."""

from __future__ import annotations

import asyncio
import mailbox
import os
import random
import smtplib
import socket
import ssl
import threading
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from services.notifier.domain.institution import EXAMPLE_MAIL_FROM


class InboxHandler:
    """aiosmtpd handler: parses each message, keeps it in memory and (optionally) a Maildir."""

    def __init__(self, maildir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._messages: list[Message] = []
        self._maildir = _open_maildir(maildir) if maildir else None
        #: Fault injection: the reply to give the next DATA instead of accepting it.
        self.refuse_next: str | None = None
        #: Fault injection at a rate: a share of DATA commands gets one of these faults.
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ()
        self._rng = random.Random(11)  # noqa: S311 - fault injection, not security
        self._peers: set[object] = set()
        #: How long each DATA waits before its reply: a relay's queue write and the network's
        #: round trip, which a relay across a bank's network takes and a loopback one does not.
        self.reply_delay_s = 0.0

    def inject(self, rate: float, *kinds: str) -> None:
        """Answer a share ``rate`` of messages with a fault: an SMTP reply such as
        ``451 4.3.0 try again later`` or ``554 5.7.1 rejected``, or ``drop``, which takes the
        message and then closes the connection before the reply (the sender cannot know)."""
        with self._lock:
            self.fault_rate, self.fault_kinds = rate, kinds

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.reply_delay_s:
            await asyncio.sleep(self.reply_delay_s)
        with self._lock:
            refusal, self.refuse_next = self.refuse_next, None
            if refusal is None and self.fault_kinds and self._rng.random() < self.fault_rate:
                refusal = self._rng.choice(self.fault_kinds)
        if refusal == "drop":
            self._keep(session, envelope)
            server.transport.close()
            return "421 4.3.0 closing"
        if refusal is not None:
            return refusal
        self._keep(session, envelope)
        return "250 OK: queued"

    def _keep(self, session: Any, envelope: Any) -> None:
        with self._lock:
            self._peers.add(session.peer)
        message = message_from_bytes(envelope.content)
        message["X-RcptTo"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self._messages.append(message)
            if self._maildir is not None:
                self._maildir.add(message)

    def messages(self) -> list[Message]:
        """Every message accepted so far, oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def sessions(self) -> int:
        """How many SMTP connections delivered messages."""
        with self._lock:
            return len(self._peers)


#: Where :func:`free_port` picks from unless ``DUNWELL_PORT_POOL`` ("low-high") says: below
#: Linux's default ephemeral range (32768-60999), so no outgoing connection (a Kafka client's,
#: an HTTP client's) can take a port between its pick and the service's bind.
PORT_POOL = (20000, 32768)
_picked: list[int] = []


def port_pool() -> tuple[int, int]:
    """The ports :func:`free_port` picks from (``low`` included, ``high`` not)."""
    given = os.environ.get("DUNWELL_PORT_POOL")
    if not given:
        return PORT_POOL
    low, high = (int(part) for part in given.split("-"))
    return low, high


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, from :func:`port_pool`.

    Each call of a process goes on from its last pick (starting at a random port), so a port
    handed out and not bound yet is not handed out again; a port something listens on is
    skipped. A port bound to 0 instead would come from the ephemeral range, where any outgoing
    connection may take it before the service binds it ("address already in use").
    """
    low, high = port_pool()
    size = high - low
    start = _picked[-1] + 1 - low if _picked else random.randrange(size)  # noqa: S311
    for step in range(size):
        port = low + (start + step) % size
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _picked[:] = [port]
        return port
    raise RuntimeError(f"no free port on 127.0.0.1 in {low}-{high}")


def _open_maildir(path: Path) -> mailbox.Maildir:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(path, create=False)


class SmtpInbox:
    """Runs the SMTP server in a background thread on 127.0.0.1."""

    def __init__(
        self, port: int = 0, maildir: Path | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        """:param tls: offer STARTTLS with this context, and refuse mail before it."""
        self.handler = InboxHandler(maildir)
        self.port = port or free_port()
        options: dict[str, Any] = {"tls_context": tls, "require_starttls": True} if tls else {}
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    def start(self) -> SmtpInbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[Message]:
        return self.handler.messages()


#: The demo bank's reply address, its sender address (the notifier's default): where the
#: notifier's inbound listener takes replies and bounces (``make run``, the end-to-end tests).
REPLY_ADDRESS = EXAMPLE_MAIL_FROM


def send_reply(port: int, sender: str, text: str, *, subject: str = "Re: 还款提醒") -> None:
    """A borrower's reply, as a mail client writes it, to the notifier's SMTP listener."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, REPLY_ADDRESS, subject
    message["Message-ID"] = make_msgid(domain="borrower.example")
    message["Date"] = formatdate()
    message.set_content(f"{text}\n\n> (the bank's message, quoted)\n", charset="utf-8")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)


def bounce(port: int, original: Message, status: str = "5.1.1") -> None:
    """The DSN (RFC 3464) a receiving server sends back for ``original`` as it arrived in the
    inbox: its recipient failed with ``status``, the original's headers attached."""
    recipient = str(original["To"])
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.borrower.example"
    report["To"] = REPLY_ADDRESS
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = make_msgid(domain="mx.borrower.example")
    report["Auto-Submitted"] = "auto-replied"
    report.attach(MIMEText(f"<{recipient}>: {status} user unknown\n"))
    per_message, per_recipient = Message(), Message()
    per_message["Reporting-MTA"] = "dns; mx.borrower.example"
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = "failed" if status.startswith("5.") else "delayed"
    per_recipient["Status"] = status
    status_part = MIMEBase("message", "delivery-status")
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    headers = "".join(f"{k}: {v}\n" for k, v in original.items() if k.lower() != "x-rcptto")
    report.attach(MIMEText(headers, "rfc822-headers"))
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("", [REPLY_ADDRESS], report.as_bytes(policy=compat32.clone(linesep="\r\n")))
