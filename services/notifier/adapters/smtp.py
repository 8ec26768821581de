"""Email over SMTP (aiosmtplib): a few persistent sessions, STARTTLS or TLS, proper MIME."""

from __future__ import annotations

import asyncio
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate
from typing import Final

import aiosmtplib

from services.notifier.domain.email_dsn import SEND_KEY_HEADER
from services.notifier.domain.model import Attempting, DeliveryUncertain, no_record
from services.notifier.domain.templates import Rendered
from services.notifier.settings import Settings
from shared.errors import PermanentError, RetryableError


class HeaderClasses(HeaderRegistry):
    """The standard library's header registry, each header's class made once per name: its
    own makes a new class (a ``type()`` call, about 17 µs here) every time a header is set or
    counted, twenty-odd times an email, a fifth of the time making one. The names are our
    own code's and templates' (a handful), so the cache stays small."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


#: How a message is made: the standard library's default policy (its body lines, base64 at 76
#: characters), its header classes made once.
MAKING: Final = policy.default.clone(header_factory=HeaderClasses())
#: How a message goes on the wire: headers folded only past RFC 5322's hard limit, so a long
#: List-Unsubscribe link stays one URI (folding at 78 turns it into encoded words, which mail
#: clients cannot follow); the body was encoded when the message was made.
WIRE: Final = policy.SMTP.clone(max_line_length=998, header_factory=MAKING.header_factory)


class MessageRefused(PermanentError):
    """The SMTP server refused the message for good (5xx)."""

    reason_code = "smtp_refused"


class _Session:
    """One of the mailer's SMTP sessions: opened on first use, reopened once the server closed
    it or it broke; one message on it at a time (whoever holds it)."""

    __slots__ = ("smtp",)

    def __init__(self) -> None:
        self.smtp: aiosmtplib.SMTP | None = None


class SmtpMailer:
    """:class:`~services.notifier.ports.ChannelClient` for email.

    Up to ``smtp_sessions`` connections, each opened once and reused, reopened when the server
    has closed it; a send takes an idle session for its one SMTP transaction (SMTP runs one at
    a time per connection), the one used last first, so a session is opened only when sends
    overlap and a quiet notifier keeps one.
    """

    provider = "smtp"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._sessions = tuple(_Session() for _ in range(settings.smtp_sessions))
        self._idle: asyncio.LifoQueue[_Session] = asyncio.LifoQueue()
        for session in reversed(self._sessions):
            self._idle.put_nowait(session)
        self._domain = settings.mail_from.rpartition("@")[2] or "localhost"

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            timeout=s.smtp_timeout_s,
            cert_bundle=s.smtp_ca_file,
        )

    async def _connected(self, session: _Session) -> aiosmtplib.SMTP:
        if session.smtp is not None and session.smtp.is_connected:
            return session.smtp
        session.smtp = self._client()
        try:
            await session.smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as e:
            session.smtp = None
            raise RetryableError(f"SMTP unavailable: {type(e).__name__}", defer_s=2.0) from e
        return session.smtp

    def _mail(self, to: str, message: Rendered, message_id: str, key: str) -> EmailMessage:
        mail = EmailMessage(policy=MAKING)
        mail["From"] = self._settings.mail_from
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message_id}@{self._domain}>"
        if self._settings.reply_address != self._settings.mail_from:
            mail["Reply-To"] = self._settings.reply_address
        # Our own key, so a bounce (RFC 3464) quoting the original headers finds the send.
        mail[SEND_KEY_HEADER] = key
        for name, value in message.headers:
            mail[name] = value
        mail.set_content(message.body, charset="utf-8")
        return mail

    async def send(
        self,
        address: str,
        message: Rendered,
        *,
        key: str,
        message_id: str,
        attempting: Attempting = no_record,
    ) -> tuple[str, str]:
        mail = self._mail(address, message, message_id, key)
        # Noted before a session is taken: the write never holds a session (an SMTP server
        # cannot be asked afterwards, so a crash from here on is uncertain).
        await attempting(self.provider)
        session = await self._idle.get()
        try:
            await self._transact(session, address, mail)
        finally:
            self._idle.put_nowait(session)
        return self.provider, str(mail["Message-ID"])

    async def _transact(self, session: _Session, address: str, mail: EmailMessage) -> None:
        smtp = await self._connected(session)
        try:
            # Bounces go to the reply address (the envelope sender), where they are read.
            await smtp.sendmail(self._settings.reply_address, [address], mail.as_bytes(policy=WIRE))
        except aiosmtplib.SMTPServerDisconnected as e:
            session.smtp = None
            # The session broke mid-transaction: the server may have accepted the message.
            raise DeliveryUncertain(f"SMTP session lost: {type(e).__name__}") from e
        except aiosmtplib.SMTPResponseException as e:
            if 500 <= e.code < 600:
                raise MessageRefused(f"SMTP {e.code}") from e
            raise RetryableError(f"SMTP {e.code}", defer_s=5.0) from e
        except aiosmtplib.SMTPException as e:
            session.smtp = None
            raise DeliveryUncertain(f"SMTP session lost: {type(e).__name__}") from e

    async def reconcile(self, provider: str, address: str, *, key: str) -> str | None:
        """SMTP has no way to ask a relay whether it took a message."""
        raise DeliveryUncertain("smtp: no way to ask whether the message was accepted")

    async def aclose(self) -> None:
        for session in self._sessions:
            smtp, session.smtp = session.smtp, None
            if smtp is not None and smtp.is_connected:
                try:
                    await smtp.quit()
                except aiosmtplib.SMTPException:
                    smtp.close()
