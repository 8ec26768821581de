"""The approved-template registry and sandboxed rendering.

Templates are data, reviewed by compliance, loaded once. Rendering runs in Jinja's sandbox with
strict undefined values, so a template can neither reach Python objects nor silently drop a value.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2 import Template as JinjaTemplate
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, ValidationError

# Re-exported: callers name the institution and the locale through the templates module.
from services.notifier.domain.institution import Institution as Institution
from services.notifier.domain.institution import Locale as Locale
from services.notifier.domain.wechat_copy import (
    CODE_KEY,
    FieldRefused,
    WeChatMessage,
    check_subscribe,
    content_digest,
    sent_fields,
)
from shared.errors import ConfigurationError
from shared.events import Channel, ContactRequested, VisitSlot

TEMPLATES_FILE = Path(__file__).resolve().parents[1] / "config" / "templates.yaml"
#: Where a zh-CN reader is: the year a date is read in.
_CN_ZONE = ZoneInfo("Asia/Shanghai")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Approval(_Frozen):
    by: str
    ref: str
    approved_on: date


class Texts(_Frozen):
    subject: str
    email: str
    sms: str
    #: Our copy of the WeChat template as approved on WeChat's side: it may name only the
    #: template's fields (what is sent), never other values.
    wechat: str
    #: The same for the subscribe message, where the template has one.
    wechat_subscribe: str | None = None


class Template(_Frozen):
    id: str
    version: int
    approval: Approval
    purpose: Literal["overdue_notice", "pre_due_reminder", "visit_notice", "visit_cancellation"]
    texts: dict[Locale, Texts]
    #: The values an SMS provider's approved copy takes, in its parameter order.
    sms_params: list[str] = []
    #: Each provider's code for its approved copy, per locale.
    provider_codes: dict[str, dict[Locale, str]] = {}
    #: WeChat template fields and the value each one shows.
    wechat_fields: dict[str, str] = {}
    #: The subscribe message's typed fields (``thing1``, ``amount2``...) and their values.
    wechat_subscribe_fields: dict[str, str] = {}
    #: How this template goes on WeChat; None: as the account's settings say.
    wechat_message: WeChatMessage | None = None


class Registry(_Frozen):
    templates: list[Template]


class TemplateMissing(Exception):
    """No approved template for this id, channel and locale: nothing is sent."""


class RenderFailed(Exception):
    """The template could not be rendered with the request's values."""


@dataclass(frozen=True)
class Rendered:
    """A message ready for the gate and a channel."""

    template: str  # id@version
    locale: Locale
    subject: str
    body: str
    #: Named values, for providers that fill their own pre-approved templates (SMS in China).
    params: dict[str, str]
    sms_params: tuple[str, ...] = ()
    provider_codes: dict[str, str] = field(default_factory=dict)
    #: Extra mail headers (List-Unsubscribe); not content, so not in :attr:`sha256`.
    headers: tuple[tuple[str, str], ...] = ()
    #: WeChat: each field sent and its value (exactly what goes out), and the message type.
    wechat_fields: dict[str, str] = field(default_factory=dict)
    wechat_message: WeChatMessage = "template"

    def provider_code(self, provider: str) -> str:
        """The provider's code for this template and locale; raises if it has none."""
        code = self.provider_codes.get(provider)
        if code is None:
            raise TemplateMissing(f"{self.template} has no approved {provider} copy")
        return code

    @property
    def sha256(self) -> str:
        """The evidence's hash of what was sent: a WeChat message's fields, else the text."""
        if self.wechat_fields:
            code = self.provider_codes.get(CODE_KEY[self.wechat_message], "")
            return content_digest(self.wechat_message, code, self.wechat_fields)
        return hashlib.sha256(f"{self.subject}\n{self.body}".encode()).hexdigest()


class TemplateRegistry:
    """Approved templates by id; renders them in a sandbox."""

    def __init__(self, templates: list[Template]) -> None:
        self._by_id = {t.id: t for t in templates}
        self._env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        self._cache: dict[str, JinjaTemplate] = {}

    def _compiled(self, source: str) -> JinjaTemplate:
        found = self._cache.get(source)
        if found is None:
            found = self._cache[source] = self._env.from_string(source)
        return found

    @classmethod
    def load(cls, path: Path = TEMPLATES_FILE) -> TemplateRegistry:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            registry = Registry.model_validate(raw)
        except (OSError, yaml.YAMLError, ValidationError) as e:
            raise ConfigurationError(f"template registry {path} is invalid: {e}") from e
        return cls(registry.templates)

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def template(self, template_id: str) -> Template:
        """An approved template by id; raises :class:`TemplateMissing` if there is none."""
        found = self._by_id.get(template_id)
        if found is None:
            raise TemplateMissing(f"no approved template {template_id}")
        return found

    def render(
        self,
        request: ContactRequested,
        channel: Channel,
        locale: Locale,
        institution: Institution,
        code: str,
        wechat: WeChatMessage = "template",
    ) -> Rendered:
        """The message for ``request`` on ``channel`` in ``locale``, with that locale's texts of
        ``institution``; raises if not approved. ``wechat``: the account's WeChat message type
        (a template may name its own)."""
        template = self.template(request.template_id)
        locale = locale if locale in template.texts else "zh-CN"
        texts = template.texts.get(locale)
        if texts is None:
            raise TemplateMissing(f"template {template.id} has no {locale} text")
        values = _values(request, locale, institution, code)
        kind: WeChatMessage = template.wechat_message or wechat
        fields = self._wechat_fields(template, kind, values) if channel == "wechat" else {}
        source = _wechat_copy(template, texts, kind) if channel == "wechat" else None
        try:
            subject = self._compiled(texts.subject).render(values)
            # A WeChat copy sees only the fields sent: what it says is what the borrower reads.
            body = self._compiled(source or getattr(texts, channel)).render(fields or values)
        except TemplateError as e:
            raise RenderFailed(f"template {template.id} failed: {type(e).__name__}") from e
        return Rendered(
            template=f"{template.id}@{template.version}",
            locale=locale,
            subject=subject,
            body=body,
            params=values,
            sms_params=tuple(template.sms_params),
            provider_codes={
                p: codes[locale] for p, codes in template.provider_codes.items() if locale in codes
            },
            wechat_fields=fields,
            wechat_message=kind,
        )

    @staticmethod
    def _wechat_fields(
        template: Template, kind: WeChatMessage, values: dict[str, str]
    ) -> dict[str, str]:
        wanted = template.wechat_subscribe_fields if kind == "subscribe" else template.wechat_fields
        if not wanted:
            raise TemplateMissing(f"template {template.id} has no WeChat {kind} message fields")
        fields = sent_fields(wanted, values)
        if kind == "subscribe":
            try:
                check_subscribe(fields)
            except FieldRefused as e:
                raise RenderFailed(f"template {template.id}: WeChat would refuse {e}") from e
        return fields


def _wechat_copy(template: Template, texts: Texts, kind: WeChatMessage) -> str:
    copy = texts.wechat_subscribe if kind == "subscribe" else texts.wechat
    if not copy:
        raise TemplateMissing(f"template {template.id} has no WeChat {kind} copy")
    return copy


def format_amount(amount: Decimal, currency: str, locale: Locale) -> str:
    """An amount as the locale writes it: ``1,250.00元`` in Chinese, ``CNY 1,250.00`` in English.

    Chinese keeps the currency code for anything but yuan (``USD 1,250.00``).
    """
    figure = f"{amount:,.2f}"
    if locale == "zh-CN" and currency == "CNY":
        return f"{figure}元"
    return f"{currency} {figure}"


def format_date(day: date, locale: Locale, today: date) -> str:
    """A date as the locale writes it: ``12月8日`` (with the year, ``2027年1月4日``, only when it
    is not the year of ``today``), ISO 8601 in English."""
    if locale != "zh-CN":
        return day.isoformat()
    short = f"{day.month}月{day.day}日"
    return short if day.year == today.year else f"{day.year}年{short}"


def request_dates(request: ContactRequested, locale: Locale) -> dict[str, str]:
    """The request's dates as its message writes them, read in the year it was made."""
    today = request.occurred_at.astimezone(_CN_ZONE).date()
    appointment = request.appointment
    written = format_date(appointment, locale, today) if appointment else ""
    if request.visit is not None:
        written = format_slot(request.visit, locale, today)
    return {
        "due_date": format_date(request.due_date, locale, today),
        "pay_by": format_date(request.pay_by, locale, today),
        "appointment": written,
    }


def format_slot(slot: VisitSlot, locale: Locale, today: date) -> str:
    """A visit's day and hours at the branch (its own local time): ``1月12日 09:30-10:30``."""
    zone = ZoneInfo(slot.time_zone)
    start, end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    return f"{format_date(start.date(), locale, today)} {start:%H:%M}-{end:%H:%M}"


def _place(request: ContactRequested, locale: Locale) -> str:
    """Where, in the reader's language: the visit's branch, else the request's own place."""
    if request.visit is not None:
        return request.visit.place.get(locale) or request.visit.place["zh-CN"]
    return request.place or ""


def _values(
    request: ContactRequested, locale: Locale, institution: Institution, code: str
) -> dict[str, str]:
    texts = institution.texts(locale)
    return {
        "institution": texts.name,
        "account": request.account_masked,
        "last4": request.account_masked[-4:],
        "amount": format_amount(request.amount_due, request.currency, locale),
        # The amount as WeChat's typed amount field takes it: no grouping, one sign.
        "amount_figure": f"{request.amount_due:.2f}元"
        if request.currency == "CNY"
        else f"{request.currency} {request.amount_due:.2f}",
        "days_past_due": str(request.days_past_due),
        "payment": texts.payment_instructions,
        "complaints": texts.complaint_channel,
        "privacy_url": texts.privacy_notice_url,
        "verify_url": texts.verification_url,
        "hotline": texts.official_hotline,
        "code": code,
        "place": _place(request, locale),
        **request_dates(request, locale),
    }
