"""Email over SMTP (aiosmtplib): one persistent connection, STARTTLS or TLS, proper MIME."""

from __future__ import annotations

import asyncio
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from typing import Final

import aiosmtplib

from services.notifier.domain.email_dsn import SEND_KEY_HEADER
from services.notifier.domain.model import Attempting, DeliveryUncertain, no_record
from services.notifier.domain.templates import Rendered
from services.notifier.settings import Settings
from shared.errors import PermanentError, RetryableError

#: How a message goes on the wire: headers folded only past RFC 5322's hard limit, so a long
#: List-Unsubscribe link stays one URI (folding at 78 turns it into encoded words, which mail
#: clients cannot follow); the body was encoded when the message was made.
WIRE: Final = policy.SMTP.clone(max_line_length=998)


class MessageRefused(PermanentError):
    """The SMTP server refused the message for good (5xx)."""

    reason_code = "smtp_refused"


class SmtpMailer:
    """:class:`~services.notifier.ports.ChannelClient` for email.

    The connection is opened once and reused; it is reopened when the server has closed it.
    Sends are serialised on it (SMTP runs one transaction at a time per connection).
    """

    provider = "smtp"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
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

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        self._smtp = self._client()
        try:
            await self._smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as e:
            self._smtp = None
            raise RetryableError(f"SMTP unavailable: {type(e).__name__}", defer_s=2.0) from e
        return self._smtp

    def _mail(self, to: str, message: Rendered, message_id: str, key: str) -> EmailMessage:
        mail = EmailMessage()
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
        # Noted before the session is taken: the write never holds the session's lock (an
        # SMTP server cannot be asked afterwards, so a crash from here on is uncertain).
        await attempting(self.provider)
        async with self._lock:
            smtp = await self._connected()
            try:
                # Bounces go to the reply address (the envelope sender), where they are read.
                await smtp.sendmail(
                    self._settings.reply_address, [address], mail.as_bytes(policy=WIRE)
                )
            except aiosmtplib.SMTPServerDisconnected as e:
                self._smtp = None
                # The session broke mid-transaction: the server may have accepted the message.
                raise DeliveryUncertain(f"SMTP session lost: {type(e).__name__}") from e
            except aiosmtplib.SMTPResponseException as e:
                if 500 <= e.code < 600:
                    raise MessageRefused(f"SMTP {e.code}") from e
                raise RetryableError(f"SMTP {e.code}", defer_s=5.0) from e
            except aiosmtplib.SMTPException as e:
                self._smtp = None
                raise DeliveryUncertain(f"SMTP session lost: {type(e).__name__}") from e
        return self.provider, str(mail["Message-ID"])

    async def reconcile(self, provider: str, address: str, *, key: str) -> str | None:
        """SMTP has no way to ask a relay whether it took a message."""
        raise DeliveryUncertain("smtp: no way to ask whether the message was accepted")

    async def aclose(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except aiosmtplib.SMTPException:
                self._smtp.close()
        self._smtp = None
