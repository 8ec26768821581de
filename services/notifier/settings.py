"""The notifier's settings (environment prefix ``DUNWELL_NOTIFIER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import AwareDatetime, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.notifier.adapters.channels.aliyun import AliyunSettings
from services.notifier.adapters.channels.tencent import TencentSettings
from services.notifier.adapters.channels.twilio import TwilioSettings
from services.notifier.adapters.channels.wechat import WeChatSettings
from services.notifier.adapters.email_settings import EmailSettings
from services.notifier.domain.institution import (
    EXAMPLE_INSTITUTION,
    EXAMPLE_MAIL_FROM,
    EXAMPLE_SMS_SIGN_NAME,
    Environment,
    Institution,
)
from shared.calendars import CALENDARS_DIR
from shared.identity import JwtSignIn
from shared.settings import BaseServiceSettings


class Settings(BaseServiceSettings, JwtSignIn):
    """Everything the notifier reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="DUNWELL_NOTIFIER_", frozen=True, env_nested_delimiter="__", extra="ignore"
    )

    http_port: int = 8081
    group_id: str = "dunwell-notifier"
    database_url: str = "sqlite+aiosqlite:///.local/notifier.db"
    #: Policy packs in force (cn, us or files); several combine, the most restrictive wins.
    policy_packs: tuple[str, ...] = ("cn",)
    #: The business and holiday calendars the packs' holiday rules read (``<id>.yaml``; the
    #: scheduler reads the same files): operator data, replaced without a code change.
    calendars_dir: Path = CALENDARS_DIR
    #: The approved-template registry (default: the one shipped with the notifier).
    templates_file: str | None = None
    #: Debtors handled side by side within a partition (one debtor's requests stay in order).
    send_concurrency: int = 16
    #: Polls of contact requests under way at once: the next is claimed and called while the
    #: one before it finishes (each debtor's requests still in order, offsets in poll order).
    #: 1: one poll after another.
    poll_overlap: int = Field(default=2, ge=1, le=4)
    #: How often the deferral dispatcher looks for sends that are now allowed.
    deferral_poll_s: float = 5.0
    #: How often receipts kept because they came before their sends were settled are looked
    #: at again (besides after every batch's settle): a send settled another way (one by one,
    #: recovered, reconciled) has its receipt taken within this.
    early_receipt_poll_s: float = 2.0
    #: A kept receipt that no settled send has taken after this long is handed to the evidence
    #: log (dead-lettered with the reason ``receipt_unmatched``, counted) and forgotten.
    early_receipt_expiry_h: float = 24.0
    #: A send whose contact point is not known yet is held, re-checked this often and at once
    #: when the debtor's contact details arrive; after ``max_hold_h`` it is blocked (and counted)
    #: and parked for an operator's re-drive: shorter than the strategy's pay-by window, so a
    #: re-driven notice is still true.
    hold_recheck_s: float = 3600.0
    max_hold_h: float = 72.0
    #: At start-up, how long the directory may take to catch up before contact requests are
    #: taken (sends whose details are still missing are held, not lost).
    directory_catch_up_s: float = 60.0
    #: Sandbox and tests only: the gate's clock starts at this instant and runs in real time
    #: (for demos at any hour, and reproducible end-to-end runs). Never set in production.
    clock_start: AwareDatetime | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 30.0
    #: SMTP sessions kept open to the relay, each carrying one message at a time (SMTP runs
    #: one transaction per connection): emails go out this many side by side, the sessions
    #: opened only as sends overlap. A relay serves many at once (Postfix runs up to
    #: ``default_process_limit`` = 100 smtpd processes, postfix.org/rate.html).
    smtp_sessions: int = Field(default=4, ge=1, le=64)
    #: CA bundle that signs the SMTP relay's certificate (default: the system's trust store).
    smtp_ca_file: str | None = None
    mail_from: str = EXAMPLE_MAIL_FROM
    #: The reply address: unsubscribe links, inbound replies and bounces (``EMAIL__*``).
    email: EmailSettings = EmailSettings()
    #: ``production`` refuses to start while any institution setting below (or the SMS signature
    #: or sender address) is an example value, a placeholder or a local URL.
    environment: Environment = "development"
    #: What messages say about the bank, per locale: ``INSTITUTION__ZH_CN__NAME``,
    #: ``INSTITUTION__EN__OFFICIAL_HOTLINE``, … (deploy/README.md lists them all).
    institution: Institution = EXAMPLE_INSTITUTION
    #: Key for per-message verification codes (HMAC); rotate with the audit service's copy.
    verification_secret: SecretStr = SecretStr("local-development-only")

    #: SMS providers in failover order (aliyun, tencent, twilio); empty: no SMS channel.
    sms_providers: tuple[Literal["aliyun", "tencent", "twilio"], ...] = ()
    #: The approved SMS signature (签名), shown by the provider as 【...】.
    sms_sign_name: str = EXAMPLE_SMS_SIGN_NAME
    #: Each provider's own settings: ``ALIYUN__ACCESS_KEY_ID``, ``TENCENT__SECRET_KEY``, …
    aliyun: AliyunSettings = AliyunSettings()
    tencent: TencentSettings = TencentSettings()
    twilio: TwilioSettings = TwilioSettings()
    #: WeChat Official Account (an empty ``WECHAT__APP_ID``: no WeChat channel).
    wechat: WeChatSettings = WeChatSettings()
    #: How providers reach the notifier (Twilio signs the full URL), and the secret in the
    #: Aliyun and Tencent callback paths (they do not sign their pushes).
    public_base_url: str = "http://127.0.0.1:8081"
    callback_secret: SecretStr = SecretStr("local-callback-secret")
    #: Bearer token of the dialler and agencies asking the pre-call gate and reporting their
    #: contacts (empty: none). People sign in with the identity provider's JWTs instead
    #: (JWKS_URL, JWT_ISSUER, ... as shared.identity.JwtSignIn), whose audience is this.
    contacts_token: SecretStr = SecretStr("")
    jwt_audience: str = "dunwell-notifier"
    #: How long an allowed call's reservation waits for the dial (then it is released), and
    #: how often unused reservations are looked for.
    call_reservation_ttl_s: float = 600.0
    call_release_poll_s: float = 30.0
    provider_timeout_s: float = 10.0
    provider_attempts: int = 3
    #: The reconciler: how often it looks for uncertain sends due to be asked about again, how
    #: many it asks about per run, after how long a send is first asked about, and the longest
    #: wait between two asks (each wait doubles the last). Never a blind resend.
    reconcile_poll_s: float = 5.0
    reconcile_batch: int = 50
    reconcile_first_s: float = 10.0
    reconcile_max_interval_s: float = 3600.0

    @model_validator(mode="after")
    def _twilio_sender(self) -> Self:
        """Twilio in use sends from a number or a Messaging Service: refuse to start without."""
        if "twilio" in self.sms_providers:
            self.twilio.sender()
        return self

    @model_validator(mode="after")
    def _issuer_named(self) -> Settings:
        self.check_issuer()
        return self

    @property
    def reply_address(self) -> str:
        """Where replies and bounces go: ``EMAIL__REPLY_ADDRESS``, else the sender address."""
        return self.email.reply_address or self.mail_from

    @property
    def verification_url(self) -> str:
        """The zh-CN verification page, for what links one page per account (WeChat)."""
        return self.institution.zh_cn.verification_url
