"""Institution settings per locale: read from the environment, and refused in production while
any of them is an example value, a placeholder or a URL no borrower can reach."""

from __future__ import annotations

import pytest

from services.notifier.app import build_app
from services.notifier.domain.institution import (
    EXAMPLE_INSTITUTION,
    EXAMPLE_TEXTS,
    Institution,
    InstitutionTexts,
    check_institution,
    example_values,
)
from services.notifier.settings import Settings
from shared.errors import ConfigurationError

PREFIX = "DUNWELL_NOTIFIER_"
#: A bank's own texts (on a domain that is not reserved, with a real-looking hotline).
REAL = Institution(
    zh_cn=InstitutionTexts(
        name="澄河银行",
        payment_instructions="澄河银行App、网上银行或各营业网点柜台",
        complaint_channel="客服热线95399或手机银行“投诉建议”",
        privacy_notice_url="https://www.chenghebank.com.cn/privacy",
        verification_url="https://verify.chenghebank.com.cn/v",
        official_hotline="95399",
    ),
    en=InstitutionTexts(
        name="Chenghe Bank",
        payment_instructions="the Chenghe Bank app, online banking or a branch counter",
        complaint_channel="our hotline 95399 or the mobile app",
        privacy_notice_url="https://www.chenghebank.com.cn/en/privacy",
        verification_url="https://verify.chenghebank.com.cn/v?lang=en",
        official_hotline="+86 21 9539 9000",
    ),
)
SIGN_NAME = "澄河银行"
MAIL_FROM = "collections@chenghebank.com.cn"
SENDER = {"sms_sign_name": SIGN_NAME, "mail_from": MAIL_FROM}


def with_zh(**fields: str) -> Institution:
    return REAL.model_copy(update={"zh_cn": REAL.zh_cn.model_copy(update=fields)})


class TestSettings:
    def test_each_locale_has_its_own_texts_from_the_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(PREFIX + "INSTITUTION__ZH_CN__NAME", "澄河银行")
        monkeypatch.setenv(PREFIX + "INSTITUTION__ZH_CN__OFFICIAL_HOTLINE", "95399")
        monkeypatch.setenv(PREFIX + "INSTITUTION__EN__NAME", "Chenghe Bank")
        monkeypatch.setenv(PREFIX + "ENVIRONMENT", "production")
        settings = Settings()
        assert settings.environment == "production"
        assert settings.institution.texts("zh-CN").name == "澄河银行"
        assert settings.institution.texts("zh-CN").official_hotline == "95399"
        assert settings.institution.texts("en").name == "Chenghe Bank"
        # What is not set keeps the example value of its own locale (and production refuses it).
        assert settings.institution.texts("en").official_hotline == "400-000-0000"
        assert settings.institution.zh_cn.payment_instructions == (
            EXAMPLE_TEXTS["zh-CN"].payment_instructions
        )

    def test_defaults_are_the_example_bank_in_development(self) -> None:
        settings = Settings()
        assert (settings.environment, settings.institution) == ("development", EXAMPLE_INSTITUTION)
        assert settings.verification_url == EXAMPLE_TEXTS["zh-CN"].verification_url

    def test_an_unknown_field_is_refused(self) -> None:
        with pytest.raises(ValueError, match="extra"):
            Institution.model_validate({"zh_cn": {"nmae": "澄河银行"}})


class TestProductionCheck:
    def test_a_banks_own_texts_pass(self) -> None:
        # Even the phrases must be the bank's own: an example's wording was never approved.
        check_institution("production", REAL, **SENDER)
        assert example_values(REAL, **SENDER) == []

    def test_development_accepts_the_examples(self) -> None:
        check_institution("development", EXAMPLE_INSTITUTION, sms_sign_name="x", mail_from="x")

    def test_the_shipped_examples_are_all_refused(self) -> None:
        problems = example_values(
            EXAMPLE_INSTITUTION,
            sms_sign_name="澄河示范银行",
            mail_from="collections@chenghe-bank.example",
        )
        # Every field of both locales, the signature and the sender.
        assert len(problems) == 2 * len(InstitutionTexts.model_fields) + 2, problems
        with pytest.raises(ConfigurationError, match="INSTITUTION__ZH_CN__OFFICIAL_HOTLINE"):
            check_institution(
                "production", EXAMPLE_INSTITUTION, sms_sign_name="澄河银行", mail_from="a@b.cn"
            )

    @pytest.mark.parametrize(
        ("field", "value", "problem"),
        [
            ("name", "示例银行", "example"),
            ("name", "Test Bank", "example"),
            ("name", "FILL-IN 银行对外名称", "not set"),
            ("name", " ", "not set"),
            ("verification_url", "http://127.0.0.1:8082/verify", "not an https URL"),
            ("verification_url", "https://127.0.0.1/verify", "IP address"),
            ("verification_url", "https://localhost/verify", "reserved"),
            ("verification_url", "https://verify.bank.example/v", "reserved"),
            ("privacy_notice_url", "https://example.com/privacy", "reserved"),
            ("privacy_notice_url", "https://intranet/privacy", "reserved"),
            ("official_hotline", "95500", "example"),  # another company's number
            ("official_hotline", "400-000-0000", "example"),
            ("official_hotline", "请致电客服", "not a telephone number"),
            ("complaint_channel", "hotline 95500 or complaints@bank.example", "example"),
            ("complaint_channel", "邮件complaints@bank.test", "reserved"),
        ],
    )
    def test_refuses(self, field: str, value: str, problem: str) -> None:
        [found] = example_values(with_zh(**{field: value}), **SENDER)
        assert f"INSTITUTION__ZH_CN__{field.upper()}" in found
        assert problem in found

    def test_refuses_an_example_signature_or_sender(self) -> None:
        found = example_values(REAL, sms_sign_name="Example Bank", mail_from="x@bank.example")
        assert [p.split()[0] for p in found] == [
            PREFIX + "SMS_SIGN_NAME",
            PREFIX + "MAIL_FROM",
        ]

    def test_the_notifier_will_not_start_in_production_on_examples(self) -> None:
        with pytest.raises(ConfigurationError, match="example institution settings"):
            build_app(Settings(environment="production"))

    def test_it_starts_in_production_on_a_banks_own_texts(self) -> None:
        build_app(
            Settings(
                environment="production",
                institution=REAL,
                sms_sign_name=SIGN_NAME,
                mail_from=MAIL_FROM,
                email={"unsubscribe_keys": ["a-bank-secret"]},
            )
        )

    def test_nor_on_the_development_unsubscribe_key(self) -> None:
        with pytest.raises(ConfigurationError, match="UNSUBSCRIBE_KEYS"):
            build_app(
                Settings(
                    environment="production",
                    institution=REAL,
                    sms_sign_name=SIGN_NAME,
                    mail_from=MAIL_FROM,
                    email={"unsubscribe_keys": ["a-bank-secret", "local-unsubscribe-key"]},
                )
            )
