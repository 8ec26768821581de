"""The audit service's settings (environment prefix ``DUNWELL_AUDIT_``)."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.audit.domain.keys import PublishedKey
from shared.identity import JwtSignIn
from shared.settings import BaseServiceSettings

Role = Literal["agent", "auditor"]


def _dev_secret(label: str) -> SecretStr:
    """A fixed development value; production sets every secret (the service warns otherwise)."""
    return SecretStr(base64.b64encode(hashlib.sha256(label.encode()).digest()).decode())


class ApiToken(BaseModel):
    """One bearer token and what it may do."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr
    role: Role


DEV_MASTER_KEY = _dev_secret("dunwell local development master key")
DEV_SIGNING_KEY = _dev_secret("dunwell local development signing key")


class PageBank(BaseModel):
    """The bank in one language of the verification page."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    name: str
    official_hotline: str


class PageInstitution(BaseModel):
    """The verification page's bank, per locale (a demo bank until the deployment sets it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    zh_cn: PageBank = PageBank(name="澄河示范银行", official_hotline="400-000-0000")
    en: PageBank = PageBank(name="Chenghe Demo Bank", official_hotline="400-000-0000")

    def of(self, lang: str) -> PageBank:
        return self.en if lang == "en" else self.zh_cn


class Settings(BaseServiceSettings, JwtSignIn):
    """Everything the audit service reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_AUDIT_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )

    http_port: int = 8082
    group_id: str = "dunwell-audit"
    database_url: str = "sqlite+aiosqlite:///.local/audit.db"
    #: The log's identity, first line of every checkpoint and the signing key's name.
    origin: str = "bank.example/dunwell-audit"
    #: base64 of the 32-byte AES master key that wraps every debtor's data key.
    master_key: SecretStr = DEV_MASTER_KEY
    #: base64 of the 32-byte Ed25519 private key (seed) that signs checkpoints.
    signing_key: SecretStr = DEV_SIGNING_KEY
    signing_key_valid_from: datetime = datetime(2026, 1, 1).astimezone()
    #: Earlier public keys, still published so that old checkpoints verify.
    key_history: tuple[PublishedKey, ...] = ()
    checkpoint_interval_s: float = Field(default=1.0, gt=0)
    checkpoint_every: int = Field(default=1000, ge=1)
    #: A file outside the database holding the latest checkpoint, so a restored older database
    #: is noticed. In production a separate volume or a witness service.
    witness_path: str = ".local/audit-witness/checkpoint"
    tsa_url: str | None = None
    tsa_ca_file: str | None = None
    #: Collection records are kept at least two years (CN Credit Card Measures Art. 68).
    retention_days: int = Field(default=3 * 365, ge=730)
    self_check_interval_s: float = Field(default=300.0, gt=0)
    #: Bearer tokens by name: {"crm": {"token": "...", "role": "agent"}} (a development
    #: option, and systems without a person behind them; people sign in with the identity
    #: provider's JWTs: JWKS_URL, JWT_ISSUER, ... as shared.identity.JwtSignIn).
    api_tokens: dict[str, ApiToken] = Field(default_factory=dict)
    #: The audience the audit service's tokens must name.
    jwt_audience: str = "dunwell-audit"
    #: The desk's published keys (its ``/.well-known/jwks.json``): a case grant the desk signs
    #: lets the person it names read one loan's timeline (shared.case_grants). None: no grants.
    desk_jwks_url: str | None = None
    #: The bank as the verification page names it, per locale, with its official hotline
    #: (``DUNWELL_AUDIT_INSTITUTION__ZH_CN__NAME``, ``…__OFFICIAL_HOTLINE``, ``…__EN__…``):
    #: the same values as the notifier's, from the same ConfigMap in Kubernetes.
    institution: PageInstitution = Field(default_factory=lambda: PageInstitution())
    #: Verification-page lookups per client address per minute.
    verify_rate_per_minute: int = Field(default=10, ge=1)
    #: Records per poll, appended together (in transactions of ``append_part``, the next part
    #: sealed while the one before it is written).
    batch_max: int = Field(default=2000, ge=1)
    append_part: int = Field(default=500, ge=1)

    @field_validator("master_key", "signing_key")
    @classmethod
    def _thirty_two_bytes(cls, value: SecretStr) -> SecretStr:
        if len(base64.b64decode(value.get_secret_value(), validate=True)) != 32:
            raise ValueError("must be base64 of exactly 32 bytes")
        return value

    @model_validator(mode="after")
    def _issuer_named(self) -> Settings:
        self.check_issuer()
        return self

    def master_key_bytes(self) -> bytes:
        return base64.b64decode(self.master_key.get_secret_value())

    def signing_seed(self) -> bytes:
        return base64.b64decode(self.signing_key.get_secret_value())

    def uses_development_secrets(self) -> bool:
        return self.master_key == DEV_MASTER_KEY or self.signing_key == DEV_SIGNING_KEY
