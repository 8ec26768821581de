"""Classifying borrower replies: opt-out keywords first, then requests, disputes and promises."""

from __future__ import annotations

import re

import pytest

from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.replies import classify, opt_out_keywords
from services.notifier.domain.sends import message_text
from services.notifier.domain.templates import Locale
from shared.events import Channel
from tests.unit.notifier.domain.test_templates import (
    BANK,
    CHANNELS,
    LOCALES,
    REGISTRY,
    long_request,
)

PACKS = [load_pack("cn"), load_pack("us")]
CN = [load_pack("cn")]
#: How a message says to opt out: 回复TD退订, 请回复“退订”, Reply STOP, reply UNSUBSCRIBE.
STATED = re.compile(r"回复\s*[“\"]?([A-Za-z]+|退订)[”\"]?|(?i:reply)\s+([A-Z]+)\b")


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
        ("Thanks", "sms", "acknowledgement"),
        ("Who is this?", "sms", "other"),
        ("TDD", "sms", "other"),  # short keywords only as the whole reply
    ],
)
def test_classify(text: str, channel: Channel, intent: str) -> None:
    assert classify(text, channel, PACKS) == intent


class TestChineseOptOuts:
    @pytest.mark.parametrize(
        "text",
        [
            "请退订",
            "退订，谢谢",
            "退订谢谢\uff01",  # full-width exclamation mark
            "您好，请帮我退订，谢谢",
            "麻烦退订一下",
            "我要退订短信",
            "退订了",
            "回复TD",
            "td退订",
            "\uff34\uff24。",  # full-width TD
            "取消订阅",
            "不要再发短信了",
            "别再发了，谢谢",
        ],
    )
    def test_a_keyword_with_polite_words_around_it_opts_out(self, text: str) -> None:
        assert classify(text, "sms", CN) == "opt_out"

    @pytest.mark.parametrize(
        "text",
        [
            "我不想退订",
            "不退订",
            "取消退订",
            "先别退订",
            "退订会影响我的征信吗",
            "请问怎么退订\uff1f",
            "为什么我退订了还收到短信",
            "我已经还款了，不用退订",
            "退订" * 30,  # a long text is a sentence, never a bare keyword
        ],
    )
    def test_a_sentence_that_merely_contains_a_keyword_does_not(self, text: str) -> None:
        assert classify(text, "sms", CN) != "opt_out"

    def test_a_chinese_reply_opts_out_under_the_us_pack_too(self) -> None:
        assert classify("请退订", "sms", [load_pack("us")]) == "opt_out"


class TestEnglishOptOuts:
    @pytest.mark.parametrize("text", ["STOP", "stop.", "Stop please", "STOP ALL", "Unsubscribe"])
    def test_stop_opts_out_of_sms_under_the_cn_pack(self, text: str) -> None:
        # A Chinese bank's English-speaking borrower answers the English message's "Reply STOP".
        assert classify(text, "sms", CN) == "opt_out"

    @pytest.mark.parametrize("text", ["Don't stop", "hit", "stop by the branch tomorrow"])
    def test_not_an_opt_out(self, text: str) -> None:
        assert classify(text, "sms", PACKS) != "opt_out"

    def test_us_keywords_count_under_the_us_pack_only(self) -> None:
        assert classify("quit", "sms", [load_pack("us")]) == "opt_out"
        assert classify("quit", "sms", CN) == "other"


@pytest.mark.parametrize("template", REGISTRY.ids())
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("pack", ["cn", "us"])
def test_the_word_every_message_says_to_reply_opts_out_under_every_pack(
    template: str, channel: Channel, locale: Locale, pack: str
) -> None:
    message = REGISTRY.render(long_request(template, locale), channel, locale, BANK, "ABCD2345")
    found = STATED.findall(message_text(message, channel))
    assert found, "the message must say how to opt out"
    for word in {zh or en for zh, en in found}:
        assert classify(word, channel, [load_pack(pack)]) == "opt_out", word
        assert word.casefold() in opt_out_keywords([load_pack(pack)], channel)
