"""The notifier's settings (environment prefix ``DUNWELL_NOTIFIER_``)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    """Everything the notifier reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_NOTIFIER_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )

    http_port: int = 8081
    group_id: str = "dunwell-notifier"
    database_url: str = "sqlite+aiosqlite:///.local/notifier.db"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 30.0
    mail_from: str = "collections@bank.example"
    institution_name: str = "Example Bank"
    payment_instructions: str = "the bank's app, online banking, or any branch counter"
    complaint_channel: str = "hotline 95500 or complaints@bank.example"
    privacy_notice_url: str = "https://bank.example/privacy"
    verification_url: str = "http://127.0.0.1:8082/verify"
    official_hotline: str = "95500"
    #: Key for per-message verification codes (HMAC); rotate with the audit service's copy.
    verification_secret: SecretStr = SecretStr("local-development-only")
