"""The scheduler's settings (environment prefix ``DUNWELL_SCHEDULER_``)."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.calendars import CALENDARS_DIR
from shared.settings import BaseServiceSettings

CONFIG = Path(__file__).resolve().parent / "config"


class FineractClients(BaseModel):
    """Defaults for Fineract's clients, who carry no country, language or time zone."""

    model_config = ConfigDict(frozen=True)

    #: The region numbers entered without a country code belong to (ISO 3166-1 alpha-2).
    region: str = Field(default="CN", pattern=r"^[A-Z]{2}$")
    locale: Literal["zh-CN", "en"] = "zh-CN"
    timezone: str = "Asia/Shanghai"
    #: Whether the bank verified its clients' mobile numbers at onboarding.
    verified: bool = True


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
    #: How soon the group notices a dead worker (faust's default is 60 s). With static membership
    #: (KAFKA__GROUP_INSTANCE_ID from the pod name) a restart inside it causes no rebalance.
    session_timeout_s: float = Field(default=10.0, ge=6.0)
    #: exactly_once: table changelog writes and source offsets commit in one Kafka transaction, so
    #: a crash can never leave the state behind the committed offsets. Decisions go out through
    #: the idempotent producer, acknowledged before the state is written (deterministic ids:
    #: republished after a crash, deduped downstream).
    processing_guarantee: Literal["exactly_once", "at_least_once"] = "exactly_once"
    #: How the loan Table writes each loan's state: ``compact`` (a versioned array, a third of
    #: the JSON) or ``json`` (the model's JSON, which versions before the compact form read:
    #: set it while an upgrade may still be rolled back). Both forms are read either way.
    state_format: Literal["compact", "json"] = "compact"
    #: How often the source offsets commit (with exactly_once: each partition's transaction).
    commit_interval_s: float = Field(default=2.8, gt=0, le=600)
    #: How often the consumer refreshes its topic metadata. A worker whose group was assigned
    #: before its topics were in its metadata (faust then ignores them: "Ignoring missing
    #: topic") rejoins once the refresh shows them, instead of after the client's 5 minutes.
    metadata_refresh_s: float = Field(default=10.0, ge=1, le=300)
    #: How long the producer lets records gather into one batch. Nothing waits on a single
    #: output (each commit waits for them all), so a longer linger costs only the commit.
    producer_linger_ms: int = Field(default=5, ge=0, le=1000)
    #: The largest batch of one partition in one produce request (bytes; faust's default is
    #: 16 KiB, about ten loan states of the changelog).
    producer_max_batch_size: int = Field(default=16384, ge=1024, le=1_000_000)
    #: Commit after this many records as well as on the timer (faust's ``broker_commit_every``).
    commit_every: int = Field(default=10_000, ge=1)
    #: The contact strategy (YAML) and the bank's business calendar (YAML, the same file the
    #: notifier's gate reads: ``shared/calendars``, the ConfigMap ``dunwell-calendars``).
    strategy_file: Path = CONFIG / "strategy.yaml"
    #: The bank's branch list: where field visits are held, by the loan's region (YAML).
    branches_file: Path = CONFIG / "branches.yaml"
    calendar_file: Path = CALENDARS_DIR / "cn.yaml"
    #: Local time (in the calendar's time zone) of the daily sweep when core banking sends no
    #: close-of-business event; empty to rely on core banking's alone.
    sweep_at: time | None = time(18, 0)
    #: What Fineract's clients do not say (``DUNWELL_SCHEDULER_FINERACT__REGION`` …).
    fineract: FineractClients = FineractClients()

    @field_validator("sweep_at", mode="before")
    @classmethod
    def _empty_is_no_sweep(cls, value: object) -> object:
        """``SWEEP_AT=`` (empty) turns the timer off: only core banking's closes sweep."""
        return None if isinstance(value, str) and not value.strip() else value
