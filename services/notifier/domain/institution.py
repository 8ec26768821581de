"""What every message says about the bank, per locale, and the refusal to run on examples (pure).

The settings ``DUNWELL_NOTIFIER_INSTITUTION__<LOCALE>__<FIELD>`` (locales ``ZH_CN`` and ``EN``)
fill one :class:`InstitutionTexts` per locale; a field left unset keeps its example value, and
in production every example value, placeholder, local or reserved URL stops the notifier.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, model_validator

from shared.errors import ConfigurationError

Locale = Literal["zh-CN", "en"]
Environment = Literal["development", "production"]
#: The settings' name for each locale (an environment variable cannot hold "-").
FIELD_OF: Final[Mapping[Locale, str]] = {"zh-CN": "zh_cn", "en": "en"}


class InstitutionTexts(BaseModel):
    """The bank as one locale's messages name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The name borrowers know the bank by (checked in every message by the content rules).
    name: str
    #: The official ways to pay, as a phrase ("手机银行App、网上银行或本行营业网点").
    payment_instructions: str
    #: Where to complain, as a phrase.
    complaint_channel: str
    privacy_notice_url: str
    #: The public verification page (the audit service's ``/verify``, behind the bank's domain).
    verification_url: str
    #: The bank's own customer-service number, given in every message.
    official_hotline: str


#: Shipped defaults: a fictitious bank on a reserved domain (RFC 2606 ``.example``) and a
#: placeholder hotline, realistic in length so that what fits here fits a real bank's texts.
#: They are what the sandbox and the development overlay run on; production refuses them.
EXAMPLE_TEXTS: Final[Mapping[Locale, InstitutionTexts]] = {
    "zh-CN": InstitutionTexts(
        name="澄河示范银行",
        payment_instructions="手机银行App、网上银行或本行营业网点",
        complaint_channel="客服热线或手机银行“我的-投诉建议”",
        privacy_notice_url="https://www.chenghe-bank.example/privacy",
        verification_url="https://verify.chenghe-bank.example/v",
        official_hotline="400-000-0000",
    ),
    "en": InstitutionTexts(
        name="Chenghe Demo Bank",
        payment_instructions="our mobile banking app, online banking or any branch counter",
        complaint_channel="our customer service hotline or the mobile app (Me > Complaints)",
        privacy_notice_url="https://www.chenghe-bank.example/en/privacy",
        verification_url="https://verify.chenghe-bank.example/v",
        official_hotline="400-000-0000",
    ),
}
EXAMPLE_SMS_SIGN_NAME: Final = "澄河示范银行"
EXAMPLE_MAIL_FROM: Final = "collections@chenghe-bank.example"
#: Values Dunwell once shipped, or that belong to someone else (95500 is another company's).
_RETIRED: Final = frozenset(
    {
        "Example Bank",
        "示例银行",
        "95500",
        "collections@bank.example",
        "https://bank.example/privacy",
        "the bank's app, online banking, or any branch counter",
        "hotline 95500 or complaints@bank.example",
    }
)
#: Words that mark a name as an example, not a bank.
_EXAMPLE_WORDS: Final = re.compile(r"(?i)\b(example|demo|sample|test)\b|示例|示范|演示|测试|样例")
#: Placeholders the production overlay ships for the bank to replace.
_PLACEHOLDER: Final = re.compile(r"(?i)^\s*(fill[- ]?in|change[- ]?me|todo|tbd)\b")
#: Reserved or local names (RFC 2606, RFC 6761, mDNS) that no borrower can reach.
_RESERVED_HOST: Final = re.compile(
    r"(?i)(^|\.)(localhost|example|test|invalid|local|internal|example\.(com|net|org))$"
)
_HOSTS_IN_TEXT: Final = re.compile(r"(?i)(?:[a-z0-9-]+\.)+[a-z]{2,}\b|localhost|\b127\.0\.0\.1\b")
#: A telephone number: digits, optionally "+", spaces, dashes or parentheses (95xxx, 400-…).
_HOTLINE: Final = re.compile(r"^\+?[\d()\- ]{5,24}$")


class Institution(BaseModel):
    """The bank's texts in every locale; messages take the texts of their own locale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh_cn: InstitutionTexts
    en: InstitutionTexts

    @model_validator(mode="before")
    @classmethod
    def _over_examples(cls, data: Any) -> Any:
        """Fields a deployment leaves unset keep their example value (production refuses it)."""
        if not isinstance(data, Mapping):
            return data
        merged: dict[str, Any] = dict(data)
        for locale, name in FIELD_OF.items():
            given = data.get(name, {})
            if isinstance(given, BaseModel):
                given = given.model_dump()
            if isinstance(given, Mapping):
                merged[name] = EXAMPLE_TEXTS[locale].model_dump() | dict(given)
        return merged

    def texts(self, locale: Locale) -> InstitutionTexts:
        """The texts for ``locale``."""
        return self.zh_cn if locale == "zh-CN" else self.en


EXAMPLE_INSTITUTION: Final = Institution(zh_cn=EXAMPLE_TEXTS["zh-CN"], en=EXAMPLE_TEXTS["en"])


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        return "is not an https URL"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return "is an IP address, not the bank's domain"
    if "." not in host or _RESERVED_HOST.search(host):
        return f"is on {host}, a local or reserved domain"
    return None


def _text_problem(field: str, value: str, examples: Iterable[str]) -> str | None:
    if not value.strip() or _PLACEHOLDER.search(value):
        return "is not set"
    if value in examples or value in _RETIRED:
        return "is an example value"
    if field in ("name", "sms_sign_name") and _EXAMPLE_WORDS.search(value):
        return "names an example bank"
    if field.endswith("_url"):
        return _url_problem(value)
    if field == "official_hotline" and not _HOTLINE.fullmatch(value.strip()):
        return "is not a telephone number"
    for host in _HOSTS_IN_TEXT.findall(value):
        if host.lower() in ("localhost", "127.0.0.1") or _RESERVED_HOST.search(host):
            return f"mentions {host}, a local or reserved domain"
    return None


def _every_example() -> set[str]:
    found = {EXAMPLE_SMS_SIGN_NAME, EXAMPLE_MAIL_FROM}
    for texts in EXAMPLE_TEXTS.values():
        found.update(texts.model_dump().values())
    return found


def example_values(institution: Institution, *, sms_sign_name: str, mail_from: str) -> list[str]:
    """Every institution setting that still holds an example, a placeholder or a local URL."""
    examples = _every_example()
    named: list[tuple[str, str, str]] = [
        ("SMS_SIGN_NAME", "sms_sign_name", sms_sign_name),
        ("MAIL_FROM", "mail_from", mail_from),
    ]
    for locale, attr in FIELD_OF.items():
        for field, value in institution.texts(locale).model_dump().items():
            named.append((f"INSTITUTION__{attr.upper()}__{field.upper()}", field, value))
    problems = []
    for env, field, value in named:
        problem = _text_problem(field, value, examples)
        if problem is not None:
            problems.append(f"DUNWELL_NOTIFIER_{env} {problem}: {value!r}")
    return problems


def check_institution(
    environment: Environment, institution: Institution, *, sms_sign_name: str, mail_from: str
) -> None:
    """In production, refuse to start while any institution setting is an example value."""
    if environment != "production":
        return
    problems = example_values(institution, sms_sign_name=sms_sign_name, mail_from=mail_from)
    if problems:
        raise ConfigurationError(
            "the notifier will not send on example institution settings in production: "
            + "; ".join(problems)
        )
