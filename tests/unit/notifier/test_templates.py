"""The approved-template registry: every template renders, passes the gate, masks the account."""

from __future__ import annotations

from datetime import date

import pytest

from services.notifier.domain import message_text
from services.notifier.policy.engine import evaluate
from services.notifier.policy.pack import load_pack
from services.notifier.policy.scenario import Outcome, Scenario
from services.notifier.templates import (
    Institution,
    RenderFailed,
    TemplateMissing,
    TemplateRegistry,
)
from shared.testing.factories import contact_request

BANK = Institution(
    name="Example Bank",
    payment_instructions="the bank's app",
    complaint_channel="hotline 95500",
    privacy_notice_url="https://bank.example/privacy",
    verification_url="https://bank.example/verify",
    official_hotline="95500",
)
BANK_ZH = Institution(
    name="示例银行",
    payment_instructions="手机银行、网上银行或网点柜台",
    complaint_channel="95500",
    privacy_notice_url="https://bank.example/privacy",
    verification_url="https://bank.example/verify",
    official_hotline="95500",
)
REGISTRY = TemplateRegistry.load()


def _request(template: str) -> object:
    extra = {"appointment": date(2026, 3, 12), "place": "Branch 12", "purpose": "visit_notice"}
    return contact_request(template_id=template, **(extra if template.startswith("visit") else {}))


@pytest.mark.parametrize("template", REGISTRY.ids())
@pytest.mark.parametrize("channel", ["sms", "email", "wechat"])
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_approved_template_passes_both_packs_content_rules(
    template: str, channel: str, locale: str
) -> None:
    bank = BANK_ZH if locale == "zh-CN" else BANK
    request = _request(template)
    message = REGISTRY.render(request, channel, locale, bank, "ABCD2345")  # type: ignore[arg-type]
    assert "6222020012345678" not in message.subject + message.body
    for pack in ("cn", "us"):
        scenario = Scenario.model_validate(
            {
                "now": "2026-03-04T12:00:00+08:00",
                "channel": channel,
                "debtor": {"timezones": ["Asia/Shanghai"]},
                "recipient": {"role": "debtor", "provenance": "contract"},
                "consents": [
                    {"channel": channel, "until": "2026-04-01T00:00:00Z", "evidence": "e"}
                ],
                "debt_id": "loan-1",
                "text": message_text(message, channel),  # type: ignore[arg-type]
                "expected": {
                    "institution": bank.name,
                    "account_masked": "5678",
                    "amount_due": "1,234.50",
                    "pay_by": "2026-03-11",
                    "verification_code": "ABCD2345",
                },
            }
        )
        decision = evaluate([load_pack(pack)], scenario)
        content = [r for r in decision.reasons if "TIME" not in r]
        assert content == [], (pack, content)
        assert decision.outcome in {Outcome.ALLOW, Outcome.DEFER}


def test_an_unknown_template_is_never_sent() -> None:
    with pytest.raises(TemplateMissing):
        REGISTRY.render(contact_request(template_id="free-text-v9"), "email", "en", BANK, "X")


def test_rendering_is_sandboxed(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "t.yaml"
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
