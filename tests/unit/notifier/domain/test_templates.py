"""The approved-template registry: every template renders, passes the gate, masks the account,
fits its SMS segments with long real values, and writes amounts and dates as its locale does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Environment, meta

from services.notifier.domain.institution import EXAMPLE_INSTITUTION, Institution, InstitutionTexts
from services.notifier.domain.model import DirectoryEntry, GateFacts
from services.notifier.domain.policy.content import sms_segments
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Consent, Outcome
from services.notifier.domain.sends import gate_scenario, message_text
from services.notifier.domain.templates import (
    Locale,
    RenderFailed,
    TemplateMissing,
    TemplateRegistry,
    format_amount,
    format_date,
)
from shared.events import Channel, ContactRequested, VisitSlot
from shared.testing.factories import contact_request

#: The shipped example bank (澄河示范银行): what the sandbox and the dev overlay send.
BANK = EXAMPLE_INSTITUTION
#: Longer than most banks' texts: a ten-character name (an SMS signature holds at most twelve),
#: a long privacy page, complaint and payment channels as banks write them.
LONG_BANK = Institution(
    zh_cn=InstitutionTexts(
        name="澄河示范农村商业银行",
        payment_instructions="澄河银行手机银行App、网上银行、微信银行或本行各营业网点柜台",
        complaint_channel="致电客服热线400-000-0000转3号键，或登录手机银行“我的-投诉建议”",
        privacy_notice_url="https://www.chenghe-bank.example/about/personal-privacy-policy.html",
        verification_url="https://verify.chenghe-bank.example/v",
        official_hotline="400-000-0000",
    ),
    en=InstitutionTexts(
        name="Chenghe Rural Commercial Demo Bank",
        payment_instructions="the Chenghe mobile banking app, online banking, WeChat banking or "
        "the counter of any of our branches",
        complaint_channel="our customer service hotline 400-000-0000 (option 3) or the mobile "
        "app (Me > Complaints and suggestions)",
        privacy_notice_url="https://www.chenghe-bank.example/en/about/personal-privacy-policy.html",
        verification_url="https://verify.chenghe-bank.example/v",
        official_hotline="400-000-0000",
    ),
)
REGISTRY = TemplateRegistry.load()
CODE = "ABCD2345"
CHANNELS: tuple[Channel, ...] = ("sms", "email", "wechat")
LOCALES: tuple[Locale, ...] = ("zh-CN", "en")
PLACE = {
    "zh-CN": "上海市浦东新区陆家嘴环路1000号本行营业部",
    "en": "Lujiazui branch, 1000 Lujiazui Ring Road, Pudong",
}


def long_request(template: str, locale: Locale = "zh-CN") -> ContactRequested:
    """A request with the longest usual values: seven figures, 120 days, dates in the next year
    (so a Chinese date names its year), a Chinese street address for a visit."""
    dates: dict[str, object] = {"due_date": date(2026, 9, 1), "days_past_due": 120}
    if template.startswith("pre-due"):
        dates = {"due_date": date(2027, 1, 8), "days_past_due": 0, "purpose": "pre_due_reminder"}
    if template.startswith("visit"):
        dates |= {"appointment": date(2027, 1, 12), "place": PLACE[locale]}
        dates |= {"purpose": "visit_notice"}
    return contact_request(
        template_id=template,
        occurred_at=datetime(2026, 12, 30, 2, 0, tzinfo=UTC),
        account_masked="****1234",
        amount_due=Decimal("1234567.89"),
        pay_by=date(2027, 1, 14),
        **dates,
    )


def content_reasons(
    pack: str, request: ContactRequested, channel: Channel, locale: Locale, bank: Institution
) -> list[str]:
    """What the pack's gate says about the rendered message, besides the hour."""
    message = REGISTRY.render(request, channel, locale, bank, CODE)
    consent = Consent(channel=channel, until=datetime(2027, 6, 1, tzinfo=UTC), evidence="e")
    entry = DirectoryEntry(
        debtor_id=request.debtor_id,
        locale=locale,
        consents=(consent,),
        mobile="+8613800000001",
        email="li@borrower.example",
        wechat_openid="o-1",
    )
    scenario = gate_scenario(
        request,
        channel,
        entry,
        GateFacts(history=[], opt_outs=[]),
        message,
        institution=bank,
        code=CODE,
        now=datetime(2026, 12, 30, 4, 0, tzinfo=UTC),
    )
    decision = evaluate([load_pack(pack)], scenario)
    assert decision.outcome in {Outcome.ALLOW, Outcome.DEFER}, decision.reasons
    return [r for r in decision.reasons if "TIME" not in r and "CAL" not in r]


@pytest.mark.parametrize("bank", [BANK, LONG_BANK], ids=["example", "long"])
@pytest.mark.parametrize("template", REGISTRY.ids())
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_template_passes_both_packs_with_long_real_values(
    template: str, channel: Channel, locale: Locale, bank: Institution
) -> None:
    request = long_request(template, locale)
    for pack in ("cn", "us"):
        assert content_reasons(pack, request, channel, locale, bank) == [], pack


@pytest.mark.parametrize("bank", [BANK, LONG_BANK], ids=["example", "long"])
@pytest.mark.parametrize("template", REGISTRY.ids())
@pytest.mark.parametrize("locale", LOCALES)
def test_every_sms_fits_three_segments_with_long_real_values(
    template: str, locale: Locale, bank: Institution
) -> None:
    message = REGISTRY.render(long_request(template, locale), "sms", locale, bank, CODE)
    assert sms_segments(message.body) <= 3, (len(message.body), message.body)
    if locale == "zh-CN":
        assert "1,234,567.89元" in message.body
        assert "2027年1月14日" in message.body


@pytest.mark.parametrize("template", REGISTRY.ids())
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_names_the_bank_its_hotline_and_verification_page_in_its_locale(
    template: str, channel: Channel, locale: Locale
) -> None:
    message = REGISTRY.render(long_request(template, locale), channel, locale, LONG_BANK, CODE)
    texts = LONG_BANK.texts(locale)
    other = LONG_BANK.texts("en" if locale == "zh-CN" else "zh-CN")
    text = message_text(message, channel)
    assert texts.official_hotline in text
    assert texts.verification_url in text
    assert texts.name in text
    assert other.name not in text
    if channel != "sms":  # an SMS has no room for them; email and WeChat give them in full
        assert texts.payment_instructions in text
        assert texts.complaint_channel in text
        assert texts.privacy_notice_url in text
    assert "6222020012345678" not in message.subject + message.body


def test_a_locale_the_template_lacks_falls_back_to_chinese_with_chinese_texts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "templates:\n"
        "  - id: overdue-notice-v1\n    version: 1\n    purpose: overdue_notice\n"
        "    approval: {by: x, ref: y, approved_on: 2026-01-01}\n"
        '    texts:\n      zh-CN: {subject: s, email: "{{ institution }}", sms: s, wechat: w}\n',
        encoding="utf-8",
    )
    message = TemplateRegistry.load(path).render(contact_request(), "email", "en", BANK, CODE)
    assert (message.locale, message.body) == ("zh-CN", "澄河示范银行")


class TestFormatting:
    def test_chinese_amounts_are_yuan_and_other_currencies_keep_their_code(self) -> None:
        assert format_amount(Decimal("1250"), "CNY", "zh-CN") == "1,250.00元"
        assert format_amount(Decimal("1234567.891"), "CNY", "zh-CN") == "1,234,567.89元"
        assert format_amount(Decimal("99.5"), "USD", "zh-CN") == "USD 99.50"
        assert format_amount(Decimal("1250"), "CNY", "en") == "CNY 1,250.00"

    def test_chinese_dates_name_the_year_only_when_it_is_not_this_one(self) -> None:
        today = date(2026, 12, 30)
        assert format_date(date(2026, 12, 8), "zh-CN", today) == "12月8日"
        assert format_date(date(2027, 1, 4), "zh-CN", today) == "2027年1月4日"
        assert format_date(date(2025, 11, 20), "zh-CN", today) == "2025年11月20日"
        assert format_date(date(2027, 1, 4), "en", today) == "2027-01-04"

    def test_the_year_is_the_one_in_shanghai_when_the_request_was_made(self) -> None:
        # 2026-12-31 17:00 UTC is already 1 January 2027 in Shanghai.
        request = contact_request(
            occurred_at=datetime(2026, 12, 31, 17, 0, tzinfo=UTC),
            due_date=date(2026, 12, 28),
            pay_by=date(2027, 1, 8),
        )
        message = REGISTRY.render(request, "sms", "zh-CN", BANK, CODE)
        assert "请于1月8日前" in message.body
        assert message.params["due_date"] == "2026年12月28日"

    def test_english_keeps_iso_dates_and_the_currency_code(self) -> None:
        message = REGISTRY.render(contact_request(), "sms", "en", BANK, CODE)
        assert "CNY 1,234.50" in message.body
        assert "2026-03-11" in message.body


def test_an_unknown_template_is_never_sent() -> None:
    with pytest.raises(TemplateMissing):
        REGISTRY.render(contact_request(template_id="free-text-v9"), "email", "en", BANK, "X")


def test_rendering_is_sandboxed(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    path.write_text(
        "templates:\n"
        "  - id: overdue-notice-v1\n    version: 1\n    purpose: overdue_notice\n"
        "    approval: {by: x, ref: y, approved_on: 2026-01-01}\n"
        '    texts:\n      en: {subject: s, email: "' + evil + '", sms: s, wechat: w}\n',
        encoding="utf-8",
    )
    registry = TemplateRegistry.load(path)
    with pytest.raises(RenderFailed):
        registry.render(contact_request(), "email", "en", BANK, "X")


@pytest.mark.parametrize("template", REGISTRY.ids())
def test_every_sms_takes_only_its_provider_parameters_and_the_signature(template: str) -> None:
    # A provider fills its approved copy from sms_params, the signature (【…】) from the account.
    approved = REGISTRY.template(template)
    env = Environment(autoescape=False)  # noqa: S701 - parsed only, never rendered
    for locale, texts in approved.texts.items():
        used = meta.find_undeclared_variables(env.parse(texts.sms))
        assert used - {"institution"} <= set(approved.sms_params), locale


class TestVisitSlots:
    SLOT = VisitSlot(
        visit_id="visit-1",
        starts_at=datetime(2027, 1, 12, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        ends_at=datetime(2027, 1, 12, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        branch_id="sh-pudong",
        place=PLACE,
    )

    def visit_request(self, template: str = "visit-notice-v1") -> ContactRequested:
        # The slot's place by language wins over a request's single place string.
        return long_request(template).model_copy(update={"visit": self.SLOT, "place": "x"})

    @pytest.mark.parametrize("locale", LOCALES)
    def test_a_notice_names_the_day_hours_and_branch_in_the_readers_language(
        self, locale: Locale
    ) -> None:
        message = REGISTRY.render(self.visit_request(), "email", locale, BANK, CODE)
        when = "2027年1月12日 09:30-10:30" if locale == "zh-CN" else "2027-01-12 09:30-10:30"
        assert when in message.body
        assert PLACE[locale] in message.body
        other = PLACE["en" if locale == "zh-CN" else "zh-CN"]
        assert other not in message.body

    def test_the_hours_are_the_branchs_local_time_whatever_the_offset_it_travelled_in(
        self,
    ) -> None:
        utc = self.SLOT.model_copy(update={"starts_at": datetime(2027, 1, 12, 1, 30, tzinfo=UTC)})
        request = self.visit_request().model_copy(update={"visit": utc})
        body = REGISTRY.render(request, "sms", "zh-CN", BANK, CODE).body
        assert "1月12日 09:30-10:30" in body

    def test_a_cancellation_names_the_slot_called_off(self) -> None:
        message = REGISTRY.render(self.visit_request("visit-cancel-v1"), "sms", "zh-CN", BANK, CODE)
        assert "2027年1月12日 09:30-10:30" in message.body
        assert "已取消" in message.body
