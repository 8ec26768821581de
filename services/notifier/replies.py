"""What a borrower's reply asks for (pure). The text itself is never stored or published."""

from __future__ import annotations

from collections.abc import Iterable

from services.notifier.policy.content import squeeze
from services.notifier.policy.pack import OptOutRule, Pack
from shared.events import Channel, ReplyIntent

# Phrases per intent, zh-CN and en; matched after normalisation (width, spacing, case).
_INTENTS: tuple[tuple[ReplyIntent, tuple[str, ...]], ...] = (
    (
        "dispute",
        (
            "不是我",
            "不是本人",
            "有误",
            "异议",
            "错误",
            "not mine",
            "not my",
            "dispute",
            "wrong person",
        ),
    ),
    ("instalment_request", ("分期", "还款计划", "instalment", "installment", "payment plan")),
    ("extension_request", ("延期", "宽限", "晚几天", "extension", "more time", "extend")),
    (
        "promise_to_pay",
        (
            "我会还",
            "马上还",
            "明天还",
            "今天还",
            "下周还",
            "will pay",
            "i'll pay",
            "promise",
            "paying today",
            "pay tomorrow",
        ),
    ),
)


def opt_out_keywords(packs: Iterable[Pack], channel: Channel) -> set[str]:
    """Every opt-out keyword the packs in force define for ``channel``, normalised."""
    return {
        squeeze(word)
        for pack in packs
        for rule in pack.of_type(OptOutRule)
        for word in rule.keywords.get(channel, [])
    }


def classify(text: str, channel: Channel, packs: Iterable[Pack]) -> ReplyIntent:
    """The reply's intent; an opt-out keyword wins over everything else."""
    squeezed = squeeze(text)
    keywords = opt_out_keywords(packs, channel)
    # Short keywords (T, N, TD) count only as the whole reply; longer ones anywhere in it.
    if squeezed in keywords or any(len(k) > 2 and k in squeezed for k in keywords):
        return "opt_out"
    for intent, phrases in _INTENTS:
        if any(squeeze(p) in squeezed for p in phrases):
            return intent
    return "other"
