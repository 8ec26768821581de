"""Classifying borrower replies: opt-out keywords first, then requests, disputes and promises."""

from __future__ import annotations

import pytest

from services.notifier.policy.pack import load_pack
from services.notifier.replies import classify

PACKS = [load_pack("cn"), load_pack("us")]


@pytest.mark.parametrize(
    ("text", "channel", "intent"),
    [
        ("退订", "sms", "opt_out"),
        ("TD", "sms", "opt_out"),
        (" td ", "sms", "opt_out"),
        ("\uff34\uff24", "sms", "opt_out"),  # full-width TD
        ("T", "sms", "opt_out"),
        ("STOP", "sms", "opt_out"),
        ("Stop texting me please", "sms", "opt_out"),
        ("退 订", "wechat", "opt_out"),
        ("我想申请分期还款", "sms", "instalment_request"),
        ("Can I get a payment plan?", "sms", "instalment_request"),
        ("能不能宽限几天", "wechat", "extension_request"),
        ("这笔贷款不是我的", "sms", "dispute"),
        ("我明天还", "sms", "promise_to_pay"),
        ("I will pay on Friday", "email", "promise_to_pay"),
        ("Thanks", "sms", "other"),
        ("TDD", "sms", "other"),  # short keywords only as the whole reply
    ],
)
def test_classify(text: str, channel: str, intent: str) -> None:
    assert classify(text, channel, PACKS) == intent  # type: ignore[arg-type]
