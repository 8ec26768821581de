"""WeChat messages: the copy the gate judges is rendered from exactly the fields sent; subscribe
messages keep to WeChat's field limits; the evidence's hash covers exactly what was sent."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from services.notifier.domain.institution import EXAMPLE_INSTITUTION
from services.notifier.domain.model import DirectoryEntry, GateFacts
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Consent, Outcome
from services.notifier.domain.sends import gate_scenario
from services.notifier.domain.templates import (
    TEMPLATES_FILE,
    Locale,
    RenderFailed,
    TemplateMissing,
    TemplateRegistry,
)
from services.notifier.domain.wechat_copy import (
    FieldRefused,
    WeChatMessage,
    check_subscribe,
    content_digest,
    field_type,
)
from shared.testing.factories import contact_request

REGISTRY = TemplateRegistry.load()
BANK = EXAMPLE_INSTITUTION
CODE = "ABCD2345"
SUBSCRIBED = [t for t in REGISTRY.ids() if REGISTRY.template(t).wechat_subscribe_fields]


def reasons(message_kind: WeChatMessage, template: str, locale: Locale, pack: str) -> list[str]:
    request = contact_request(template_id=template, amount_due=Decimal("1234567.89"))
    message = REGISTRY.render(request, "wechat", locale, BANK, CODE, message_kind)
    consent = Consent(channel="wechat", until=datetime(2027, 6, 1, tzinfo=UTC), evidence="e")
    entry = DirectoryEntry(request.debtor_id, locale=locale, consents=(consent,), wechat_openid="o")
    scenario = gate_scenario(
        request,
        "wechat",
        entry,
        GateFacts(history=[], opt_outs=[]),
        message,
        institution=BANK,
        code=CODE,
        now=datetime(2026, 3, 4, 4, 0, tzinfo=UTC),
    )
    decision = evaluate([load_pack(pack)], scenario)
    assert decision.outcome in {Outcome.ALLOW, Outcome.DEFER}, decision.reasons
    return [r for r in decision.reasons if "TIME" not in r and "CAL" not in r]


def test_every_template_has_a_subscribe_copy_except_the_visit_which_names_its_own_type() -> None:
    assert SUBSCRIBED == ["overdue-notice-v1", "overdue-reminder-v1", "pre-due-reminder-v1"]
    visit = REGISTRY.render(
        contact_request(template_id="visit-notice-v1", purpose="visit_notice"),
        "wechat",
        "zh-CN",
        BANK,
        CODE,
        "subscribe",
    )
    assert visit.wechat_message == "template"


@pytest.mark.parametrize("template", SUBSCRIBED)
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("pack", ["cn", "us"])
def test_every_subscribe_message_passes_the_gate_as_sent(
    template: str, locale: Locale, pack: str
) -> None:
    assert reasons("subscribe", template, locale, pack) == []


@pytest.mark.parametrize("kind", ["template", "subscribe"])
def test_the_text_the_gate_judges_is_the_copy_filled_with_the_fields_sent(
    kind: WeChatMessage,
) -> None:
    message = REGISTRY.render(contact_request(), "wechat", "zh-CN", BANK, CODE, kind)
    assert message.wechat_message == kind
    for value in message.wechat_fields.values():
        assert value in message.body
    assert (
        message.wechat_fields["character_string5"] == CODE
    )  # every copy carries the verification code in the same field
    if kind == "subscribe":
        assert message.wechat_fields["amount3"] == "1234.50元"  # no grouping in a typed amount


def test_a_copy_naming_a_value_that_is_not_sent_cannot_render(tmp_path: Path) -> None:
    raw = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    first = raw["templates"][0]
    first["texts"]["zh-CN"]["wechat"] += "{{ hotline }}"  # a value, not a field: never sent
    path = tmp_path / "templates.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RenderFailed):
        TemplateRegistry.load(path).render(
            contact_request(template_id=first["id"]), "wechat", "zh-CN", BANK, CODE
        )


def test_a_subscribe_field_past_its_limit_is_refused_before_the_gate() -> None:
    long_name = BANK.model_copy(
        update={
            "zh_cn": BANK.zh_cn.model_copy(
                update={"name": "澄河示范农村商业银行股份有限公司总行营业部"}
            )
        }
    )
    with pytest.raises(RenderFailed, match="thing1: 21 characters, WeChat allows at most 20"):
        REGISTRY.render(contact_request(), "wechat", "zh-CN", long_name, CODE, "subscribe")


def test_a_currency_a_typed_amount_cannot_carry_is_refused() -> None:
    request = contact_request(currency="USD")
    with pytest.raises(RenderFailed, match="amount3"):
        REGISTRY.render(request, "wechat", "en", BANK, CODE, "subscribe")


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"thing1": "澄" * 20}, False),
        ({"thing1": "澄" * 21}, True),
        ({"phrase2": "逾期提醒"}, False),
        ({"phrase2": "overdue"}, True),
        ({"amount3": "1234567.89元"}, False),
        ({"amount3": "1,234,567.89元"}, True),
        ({"amount3": "¥12345678901"}, True),
        ({"character_string4": "ABCD2345"}, False),
        ({"character_string4": "A" * 33}, True),
        ({"date5": "2027年1月14日"}, False),
        ({"date5": "1月14日"}, False),
        ({"time6": "2019年10月1日 15:01"}, False),
        ({"time6": "soon"}, True),
        ({"thing7": "line\nbreak"}, True),
        ({"keyword1": "x"}, True),
    ],
)
def test_subscribe_field_limits(fields: dict[str, str], refused: bool) -> None:
    if refused:
        with pytest.raises(FieldRefused):
            check_subscribe(fields)
    else:
        check_subscribe(fields)


def test_field_types_and_the_digest_cover_exactly_what_is_sent() -> None:
    assert field_type("character_string12") == "character_string"
    one = content_digest("subscribe", "T1", {"thing1": "澄河", "amount2": "1.00元"})
    assert one == content_digest("subscribe", "T1", {"amount2": "1.00元", "thing1": "澄河"})
    assert one != content_digest("subscribe", "T1", {"thing1": "澄河", "amount2": "2.00元"})
    assert one != content_digest("template", "T1", {"thing1": "澄河", "amount2": "1.00元"})
    message = REGISTRY.render(contact_request(), "wechat", "zh-CN", BANK, CODE, "subscribe")
    code = message.provider_codes["wechat_subscribe"]
    assert message.sha256 == content_digest("subscribe", code, message.wechat_fields)


def test_a_template_without_wechat_fields_is_missing_not_sent_as_text(tmp_path: Path) -> None:
    raw = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    raw["templates"][0].pop("wechat_subscribe_fields")
    path = tmp_path / "templates.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TemplateMissing, match="subscribe"):
        TemplateRegistry.load(path).render(
            contact_request(template_id=raw["templates"][0]["id"]),
            "wechat",
            "zh-CN",
            BANK,
            CODE,
            "subscribe",
        )
