"""The audit service's settings (environment prefix ``DUNWELL_AUDIT_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    """Everything the audit service reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_AUDIT_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )

    http_port: int = 8082
    group_id: str = "dunwell-audit"
    database_url: str = "sqlite+aiosqlite:///.local/audit.db"
