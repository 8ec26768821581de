"""The scheduler's settings (environment prefix ``DUNWELL_SCHEDULER_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings):
    """Everything the scheduler reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_SCHEDULER_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )

    http_port: int = 8083
    app_id: str = "dunwell-scheduler"
    #: faust table store: ``memory://`` for tests and local runs, ``rocksdb://`` in production.
    store: str = "memory://"
    datadir: str = ".local/scheduler"
    #: Partitions of the faust changelog topics; must match the loan-events topic.
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)
    #: Days the borrower is given to pay, counted from the day the notice is decided.
    pay_within_days: int = Field(default=7, ge=1)
    notice_template_id: str = "overdue-notice-v1"
