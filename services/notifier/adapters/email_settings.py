"""The reply address's settings (``DUNWELL_NOTIFIER_EMAIL__*``): one-click unsubscribe links,
the inbound SMTP listener for replies and bounces, DKIM."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, SecretStr

#: The development key of unsubscribe links: production refuses to start on it.
DEVELOPMENT_UNSUBSCRIBE_KEY: Final = "local-unsubscribe-key"


class EmailSettings(BaseModel):
    """``DUNWELL_NOTIFIER_EMAIL__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Where borrowers' replies and bounces go (``Reply-To``, the envelope sender, the
    #: ``mailto:`` unsubscribe); empty: the sender address (``MAIL_FROM``).
    reply_address: str = ""
    #: Keys that sign one-click unsubscribe links, newest first: the first signs, every one
    #: is accepted (rotate by putting a new key in front; drop the old one after the TTL).
    unsubscribe_keys: tuple[SecretStr, ...] = Field(
        default=(SecretStr(DEVELOPMENT_UNSUBSCRIBE_KEY),), min_length=1
    )
    #: How long an email's unsubscribe link works.
    unsubscribe_ttl_days: float = Field(default=90.0, gt=0)
    #: The inbound SMTP listener (replies, DSNs): off unless a port is set.
    inbound_host: str = "127.0.0.1"
    inbound_port: int | None = None
    #: Recipient domains the listener accepts mail for (empty: the reply address's domain).
    accepted_domains: tuple[str, ...] = ()
    #: Refuse (550) and keep any message whose DKIM signature is missing or does not verify.
    dkim_required: bool = False
    #: The largest message taken (bytes); larger ones are refused at DATA.
    max_message_bytes: int = 2_000_000

    def signs_with_the_development_key(self) -> bool:
        """Whether any unsubscribe key is the development one (anyone could opt out anyone)."""
        return any(
            k.get_secret_value() == DEVELOPMENT_UNSUBSCRIBE_KEY for k in self.unsubscribe_keys
        )
