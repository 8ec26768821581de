"""The desk's settings (environment prefix ``DUNWELL_DESK_``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.desk.domain.model import TeamName
from services.desk.domain.sla import DEFAULT_DAYS, SlaPolicy
from shared.calendars import CALENDARS_DIR
from shared.identity import JwtSignIn, TokenRules
from shared.settings import BaseServiceSettings

#: The policy packs shipped with Dunwell (the notifier's configuration).
PACKS_DIR = Path(__file__).resolve().parents[1] / "notifier" / "config" / "packs"

Role = Literal["agent", "supervisor", "compliance"]


class ApiToken(BaseModel):
    """One person's bearer token: their role, and the team an agent works in."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr
    role: Role
    team: TeamName | None = None


class Settings(BaseServiceSettings, JwtSignIn):
    """Everything the desk reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_DESK_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )

    http_port: int = 8084
    group_id: str = "dunwell-desk"
    database_url: str = "sqlite+aiosqlite:///.local/desk.db"
    #: The bank's business calendar (the same file the scheduler and the notifier read).
    calendar_file: Path = CALENDARS_DIR / "cn.yaml"
    #: The market's policy pack (the notifier's): its debt_hold rule gives the days the bank has
    #: to answer a dispute or complaint, for the register's due dates.
    policy_pack_file: Path = PACKS_DIR / "cn.yaml"
    #: The teams that work tasks; a task goes to its kind's team, else the default one.
    teams: tuple[TeamName, ...] = ("collections", "field", "dialler")
    default_team: TeamName = "collections"
    team_by_kind: dict[str, TeamName] = Field(default_factory=lambda: {"field_visit": "field"})
    #: SLA: business days per task kind, and the local time a business day closes.
    sla_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_DAYS))
    sla_default_days: int = Field(default=2, ge=0)
    close_of_business: time = time(18, 0)
    #: Bearer tokens, one per person, by their id: {"agent-7": {"token": "...", "role":
    #: "agent", "team": "collections"}}.
    api_tokens: dict[str, ApiToken] = Field(default_factory=dict)
    #: Sign-in by the bank's identity provider (shared.identity.JwtSignIn: JWKS_URL,
    #: JWT_ISSUER, ...): the audience the desk's tokens must name.
    jwt_audience: str = "dunwell-desk"
    #: The audit service's address: a case's evidence is read there under a case grant.
    audit_url: str = "http://127.0.0.1:8082"
    #: The key case grants are signed with (an EC P-256 private key, PEM), the same for every
    #: replica, and its id; the audit service fetches the public half from the desk's
    #: ``/.well-known/jwks.json``. None: a key of its own per process (one replica only:
    #: development).
    case_grant_key: SecretStr | None = None
    case_grant_kid: str = Field(default="desk-1", pattern=r"^[\w.\-]{1,64}$")
    #: Sandbox and tests only: the desk's clock starts at this instant and runs in real time,
    #: on the simulated day the scheduler's book is on (as the notifier's). Never in production.
    clock_start: AwareDatetime | None = None
    #: The team whose agents work the uncertain and blocked review queues (with supervisors).
    review_team: TeamName = "collections"
    #: How often the open and overdue gauges are refreshed.
    gauge_interval_s: float = Field(default=15.0, gt=0)
    #: The console (/console): its session cookies are signed with this secret (one for every
    #: replica; none: a random one per process, so sessions end with it: development only),
    #: Secure (HTTPS only) unless switched off for a local http:// run, and end
    #: ``console_session_max_age_s`` after sign-in or ``console_session_idle_s`` after the
    #: last request.
    console_session_secret: SecretStr | None = None
    console_secure_cookies: bool = True
    console_session_max_age_s: int = Field(default=8 * 3600, gt=0)
    console_session_idle_s: int = Field(default=30 * 60, gt=0)
    #: The console's sign-in: OIDC authorization code (with PKCE) at the bank's identity
    #: provider; its ID tokens are verified as bearer tokens are (JWKS, issuer, roles and team
    #: claims), with this client id as their audience.
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str = "dunwell-desk"
    oidc_client_secret: SecretStr | None = None
    #: The callback registered with the provider; none: this request's own /console/callback.
    oidc_redirect_url: str | None = None
    #: The notifier's pre-call gate, asked before an agent's call is recorded: its address,
    #: the token it takes (CONTACTS_TOKEN), and the sender the desk's agents call as.
    notifier_url: str | None = None
    notifier_token: SecretStr | None = None
    call_sender: str = Field(default="bank-desk", pattern=r"^[\w.:|\-]{1,128}$")
    #: The reports' daily caps by name (messages, calls), when the bank's pack differs.
    report_caps: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_teams(self) -> Settings:
        named = {self.default_team, self.review_team, *self.team_by_kind.values()}
        named |= {t.team for t in self.api_tokens.values() if t.team}
        unknown = sorted(named - set(self.teams))
        if unknown:
            raise ValueError(f"teams not in TEAMS: {', '.join(unknown)}")
        self.check_issuer()
        if self.oidc_authorize_url and not (self.oidc_token_url and self.jwks_url):
            raise ValueError("OIDC_AUTHORIZE_URL needs OIDC_TOKEN_URL and JWKS_URL")
        if self.notifier_url and not self.notifier_token:
            raise ValueError("NOTIFIER_URL needs NOTIFIER_TOKEN")
        return self

    def console_rules(self) -> TokenRules:
        """What the console's ID tokens must say: as a bearer token, for this client."""
        return replace(self.token_rules(), audience=self.oidc_client_id)

    def sla(self) -> SlaPolicy:
        return SlaPolicy(
            days=dict(self.sla_days),
            default_days=self.sla_default_days,
            close_of_business=self.close_of_business,
        )
