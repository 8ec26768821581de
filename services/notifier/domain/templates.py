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
from shared.errors import ConfigurationError
from shared.events import Channel, ContactRequested

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
    wechat: str


class Template(_Frozen):
    id: str
    version: int
    approval: Approval
    purpose: Literal["overdue_notice", "pre_due_reminder", "visit_notice"]
    texts: dict[Locale, Texts]
    #: The values an SMS provider's approved copy takes, in its parameter order.
    sms_params: list[str] = []
    #: Each provider's code for its approved copy, per locale.
    provider_codes: dict[str, dict[Locale, str]] = {}
    #: WeChat template fields and the value each one shows.
    wechat_fields: dict[str, str] = {}


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
    wechat_fields: dict[str, str] = field(default_factory=dict)
    #: Extra mail headers (List-Unsubscribe); not content, so not in :attr:`sha256`.
    headers: tuple[tuple[str, str], ...] = ()

    def provider_code(self, provider: str) -> str:
        """The provider's code for this template and locale; raises if it has none."""
        code = self.provider_codes.get(provider)
        if code is None:
            raise TemplateMissing(f"{self.template} has no approved {provider} copy")
        return code

    @property
    def sha256(self) -> str:
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
    ) -> Rendered:
        """The message for ``request`` on ``channel`` in ``locale``, with that locale's texts of
        ``institution``; raises if not approved."""
        template = self._by_id.get(request.template_id)
        if template is None:
            raise TemplateMissing(f"no approved template {request.template_id}")
        locale = locale if locale in template.texts else "zh-CN"
        texts = template.texts.get(locale)
        if texts is None:
            raise TemplateMissing(f"template {template.id} has no {locale} text")
        values = _values(request, locale, institution, code)
        try:
            subject = self._compiled(texts.subject).render(values)
            body = self._compiled(getattr(texts, channel)).render(values)
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
            wechat_fields=dict(template.wechat_fields),
        )


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
    return {
        "due_date": format_date(request.due_date, locale, today),
        "pay_by": format_date(request.pay_by, locale, today),
        "appointment": format_date(appointment, locale, today) if appointment else "",
    }


def _values(
    request: ContactRequested, locale: Locale, institution: Institution, code: str
) -> dict[str, str]:
    texts = institution.texts(locale)
    return {
        "institution": texts.name,
        "account": request.account_masked,
        "last4": request.account_masked[-4:],
        "amount": format_amount(request.amount_due, request.currency, locale),
        "days_past_due": str(request.days_past_due),
        "payment": texts.payment_instructions,
        "complaints": texts.complaint_channel,
        "privacy_url": texts.privacy_notice_url,
        "verify_url": texts.verification_url,
        "hotline": texts.official_hotline,
        "code": code,
        "place": request.place or "",
        **request_dates(request, locale),
    }
