"""Replies written in traditional characters, Cantonese or texting shorthand read like the rest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.replies import understand
from services.notifier.domain.reply_script import plain

PACKS = [load_pack("cn")]


@pytest.mark.parametrize(
    ("text", "simplified"),
    [
        ("我已經還了", "我已经还了"),
        ("唔好再打電話畀我", "不要再打电话给我"),
        ("我係佢老婆", "我是他老婆"),
        ("沒關係", "没关系"),
        ("will pay tmrw pls", "will pay tomorrow please"),
        ("u r wrong", "you are wrong"),
    ],
)
def test_plain(text: str, simplified: str) -> None:
    assert plain(text) == simplified


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("退訂", "opt_out"),
        ("唔好再打電話畀我", "stop_calling"),
        ("你們算錯了利息", "dispute"),
        ("我係佢老婆", "wrong_party"),
        ("下個月五號還一萬", "promise_to_pay"),
        ("收到，多謝", "acknowledgement"),
    ],
)
def test_understood_as_if_written_in_simplified_mandarin(text: str, intent: str) -> None:
    assert understand(text, "sms", PACKS, date(2026, 12, 2)).intent == intent


def test_a_promise_in_traditional_characters_keeps_its_terms() -> None:
    got = understand("下個月五號還一萬", "sms", PACKS, date(2026, 12, 2))
    assert got.promise_amount == Decimal(10000)
    assert got.promise_date == date(2027, 1, 5)
