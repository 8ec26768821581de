"""SMTP mailer on aiosmtplib: proper MIME, UTF-8 subject, our own Message-ID."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from services.notifier.domain import RenderedMessage
from services.notifier.ports import DeliveryUncertain
from services.notifier.settings import Settings
from shared.errors import PermanentError, RetryableError


class MessageRefused(PermanentError):
    """The SMTP server refused the message for good (5xx)."""

    reason_code = "smtp_refused"


class SmtpMailer:
    """:class:`~services.notifier.ports.Mailer` over SMTP (plain, STARTTLS or implicit TLS)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, to: str, message: RenderedMessage, *, message_id: str) -> str:
        s = self._settings
        mail = EmailMessage()
        mail["From"] = s.mail_from
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id
        mail.set_content(message.body, charset="utf-8")
        try:
            await aiosmtplib.send(
                mail,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_s,
            )
        except aiosmtplib.SMTPResponseException as e:
            if 500 <= e.code < 600:
                raise MessageRefused(f"SMTP {e.code}") from e
            raise RetryableError(f"SMTP {e.code}", defer_s=5.0) from e
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError, OSError) as e:
            # No session was established: the message certainly was not accepted.
            raise RetryableError(f"SMTP unavailable: {type(e).__name__}", defer_s=2.0) from e
        except aiosmtplib.SMTPException as e:
            # The session broke mid-transaction: the server may have accepted the message.
            raise DeliveryUncertain(f"SMTP session lost: {type(e).__name__}") from e
        return message_id
