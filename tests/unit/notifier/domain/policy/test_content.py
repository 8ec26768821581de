"""Content rules on the rendered text: required elements, banned content after normalisation,
PII masking and SMS length."""

from __future__ import annotations

import pytest

from services.notifier.domain.policy.content import normalise, sms_segments, squeeze
from services.notifier.domain.policy.scenario import Outcome
from tests.unit.notifier.domain.policy.support import decide

NOON = "2026-11-30T12:00:00+08:00"
GOOD_ZH = (
    "【示例银行】您尾号1234的贷款本期应还¥1,250.00，已逾期5天。请于2026-12-05前通过官方渠道"
    "（手机银行或柜台）还款。投诉：95500。隐私政策：bank.example/privacy。"
    "核实真伪：bank.example/verify 验证码ABCD2345，或致电官方客服95500。"
)
GOOD_EN = (
    "Example Bank: CNY 1,250.00 on loan account ****1234 is 5 day(s) overdue. Please pay by "
    "2026-12-05 through our official channels. Complaints: 95500. Privacy notice: "
    "bank.example/privacy. Verify this message at bank.example/verify code ABCD2345."
)
EXPECTED = {
    "institution": "示例银行",
    "account_masked": "1234",
    "amount_due": "1,250.00",
    "pay_by": "2026-12-05",
    "verification_code": "ABCD2345",
}


@pytest.mark.parametrize("text", [GOOD_ZH, GOOD_EN])
def test_a_complete_message_passes(text: str) -> None:
    expected = EXPECTED | {"institution": "Example Bank"} if text is GOOD_EN else EXPECTED
    decision = decide(NOON, channel="email", text=text, expected=expected)
    assert decision.outcome is Outcome.ALLOW, decision.reasons


@pytest.mark.parametrize(
    ("remove", "element"),
    [
        ("投诉：95500。", "complaint_channel"),
        ("隐私政策：bank.example/privacy。", "privacy_notice"),
        (
            "核实真伪：bank.example/verify 验证码ABCD2345，或致电官方客服95500。",
            "official_verification",
        ),
        ("尾号1234的", "masked_account"),
        ("通过官方渠道（手机银行或柜台）", "repayment_method"),
    ],
)
def test_each_missing_required_element_blocks(remove: str, element: str) -> None:
    decision = decide(NOON, channel="email", text=GOOD_ZH.replace(remove, ""))
    assert decision.outcome is Outcome.BLOCK
    assert f"CN-CONTENT-REQ: required element missing: {element}" in decision.reasons


def test_values_that_do_not_match_the_debt_block() -> None:
    decision = decide(
        NOON, channel="email", text=GOOD_ZH, expected=EXPECTED | {"amount_due": "9.99"}
    )
    assert decision.outcome is Outcome.BLOCK
    assert "CN-CONTENT-REQ: amount_due does not match the debt" in decision.reasons


@pytest.mark.parametrize(
    ("insert", "category"),
    [
        ("否则公安将介入。", "impersonation"),
        ("否则公\u3000安将介入。", "impersonation"),  # ideographic space
        ("否则公\u200b安将介入。", "impersonation"),  # zero-width space
        ("否则 公 . 安 将介入。", "impersonation"),  # spacing and punctuation
        ("We will call the p\u043elic\u0435.", "impersonation"),  # Cyrillic o and e
        ("We will call the \uff30\uff2f\uff2c\uff29\uff23\uff25.", "impersonation"),  # full-width
        ("再不还就通知你单位。", "threats"),
        ("你这个老赖。", "insults"),
        ("逾期将进入黑名单。", "false_consequences"),
        ("另收催收费200元。", "fees"),
        ("限时优惠办卡\uff01", "marketing"),
        ("请转账至催收员个人账户。", "personal_repayment"),
        ("Please wire it to my personal account.", "personal_repayment"),
    ],
)
def test_banned_content_blocks_despite_evasions(insert: str, category: str) -> None:
    decision = decide(NOON, channel="email", text=GOOD_ZH + insert)
    assert decision.outcome is Outcome.BLOCK, decision.reasons
    assert any(r.startswith(f"CN-CONTENT-BAN: banned {category}") for r in decision.reasons)


def test_a_legal_reference_escalates_unless_attested() -> None:
    text = GOOD_ZH + "本行已向法\u200b院提起诉讼，案号(2026)京0105民初123号。"
    assert decide(NOON, channel="email", text=text).outcome is Outcome.ESCALATE
    assert decide(NOON, channel="email", text=text, attested=True).outcome is Outcome.ALLOW


@pytest.mark.parametrize(
    ("insert", "what"),
    [
        ("账号6222021234567890123。", "account_or_card_number"),
        ("身份证11010519491231002X。", "identity_number"),
        ("联系人13812345678。", "mobile_number"),
    ],
)
def test_unmasked_personal_data_blocks(insert: str, what: str) -> None:
    decision = decide(NOON, channel="email", text=GOOD_ZH + insert)
    assert decision.outcome is Outcome.BLOCK
    assert f"CN-PII: unmasked {what}" in decision.reasons


def test_sms_longer_than_three_segments_blocks() -> None:
    assert decide(NOON, text=GOOD_ZH).outcome is Outcome.ALLOW
    decision = decide(NOON, text=GOOD_ZH + "请及时处理。" * 12)
    assert decision.outcome is Outcome.BLOCK
    assert decision.rules == ["CN-SMS-LEN"]


def test_us_electronic_messages_must_say_how_to_opt_out() -> None:
    us = {"debtor": {"timezones": ["America/New_York"]}, "channel": "email"}
    now = "2026-11-30T12:00:00-05:00"
    assert decide(now, "us", text=GOOD_EN, **us).rules == ["US-OPT-NOTICE"]
    assert (
        decide(now, "us", text=GOOD_EN + " Reply STOP to opt out.", **us).outcome is Outcome.ALLOW
    )


def test_normalisation() -> None:
    assert normalise("\uff21\uff22\uff23\u200b\uff11\uff12\uff13") == "abc123"
    assert normalise("\u0440\u0430\u0443\u0440\u0430l") == "paypal"  # Cyrillic look-alikes
    assert squeeze("老 赖!") == "老赖"
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("汉" * 70) == 1
    assert sms_segments("汉" * 71) == 2
    assert sms_segments("汉" * 202) == 4
