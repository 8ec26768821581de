"""What a borrower's reply asks for (pure). The text itself is never stored or published."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from services.notifier.domain.policy.content import normalise, squeeze
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.rules import OptOutRule
from services.notifier.domain.reply_intents import read, readable
from services.notifier.domain.reply_script import TRADITIONAL
from services.notifier.domain.reply_terms import amount, promise_date
from shared.events import Channel, ReplyIntent

#: Words a borrower puts around an opt-out keyword without changing what it asks: greetings,
#: thanks, "please", "I want", the channel's name, sentence-final particles. Nothing that
#: negates or reverses it (不, 别, 取消, don't) is here, so "我不想退订" or "取消退订" stay replies.
_AROUND_KEYWORD: tuple[str, ...] = (
    *("您好", "你好", "请", "麻烦", "麻烦您", "麻烦你", "帮我", "给我", "我要", "我想", "我想要"),
    *("要", "申请", "立即", "马上", "现在", "直接", "全部", "所有", "一下", "回复", "好的"),
    *("谢谢", "谢谢您", "谢谢你", "多谢", "感谢", "了", "吧", "啊", "呀", "哦", "喔", "嗯", "哈"),
    *("短信", "信息", "消息", "邮件", "微信", "推送", "通知", "提醒"),
    *("please", "pls", "plz", "thanks", "thankyou", "thank", "you", "thx", "hi", "hello", "ok"),
    *("now", "all", "me", "it", "this", "these", "them", "the", "number", "sending"),
    *("texting", "texts", "text", "messages", "message", "msgs", "sms", "emails", "email"),
)
#: A reply longer than this (normalised) is a sentence, never a bare opt-out.
_LONGEST_OPT_OUT = 48
_SEPARATOR = re.compile(r"[\s\W_]")
#: Where a reply's clauses part: punctuation, and a space beside a Chinese character.
_CLAUSE = re.compile(
    r"[,.!?;:\n\uff0c\u3002\uff01\uff1f\uff1b\uff1a\u3001]+|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])"
)
_LATIN = re.compile(r"[a-z]")


def opt_out_keywords(packs: Iterable[Pack], channel: Channel) -> set[str]:
    """Every opt-out keyword the packs in force define for ``channel``, normalised."""
    return {
        squeeze(word)
        for pack in packs
        for rule in pack.of_type(OptOutRule)
        for word in rule.keywords.get(channel, [])
    }


def is_opt_out(text: str, channel: Channel, packs: Iterable[Pack]) -> bool:
    """Whether the reply is an opt-out: after normalisation (width, case, spacing, punctuation)
    nothing but keywords and the polite words around them ("请退订", "退订，谢谢", "STOP"), or
    one of its clauses is ("退订!天天发烦死了", "STOP. I already paid."; a keyword of one letter
    only as the whole reply). A sentence that merely holds one ("我不想退订", "退订会影响征信吗")
    is no opt-out."""
    keywords = opt_out_keywords(packs, channel)
    plain = text.translate(TRADITIONAL)  # 退訂 is 退订
    if _only(plain, keywords):
        return True
    clauses = [c for c in _CLAUSE.split(plain) if c.strip()]
    spelled_out = {k for k in keywords if len(k) > 1}
    return len(clauses) > 1 and any(_only(clause, spelled_out) for clause in clauses)


def _only(text: str, keywords: set[str]) -> bool:
    squeezed, cuts = _squeezed_with_cuts(text)
    return len(squeezed) <= _LONGEST_OPT_OUT and _only_keywords(squeezed, cuts, keywords)


def _squeezed_with_cuts(text: str) -> tuple[str, set[int]]:
    """The squeezed text, and where a word may begin or end in it: not inside a run of Latin
    letters the borrower wrote together (so "hit" is never "hi" + "T")."""
    chars: list[str] = []
    cuts = {0}
    for char in normalise(text):
        if _SEPARATOR.fullmatch(char):
            cuts.add(len(chars))
        elif chars and not (_LATIN.fullmatch(char) and _LATIN.fullmatch(chars[-1])):
            cuts.add(len(chars))
            chars.append(char)
        else:
            chars.append(char)
    cuts.add(len(chars))
    return "".join(chars), cuts


def _only_keywords(text: str, cuts: set[int], keywords: set[str]) -> bool:
    words = {w for w in (*keywords, *_AROUND_KEYWORD) if w}
    # reachable[i]: how text[:i] splits into known words (True: with a keyword among them).
    reachable: list[set[bool]] = [set() for _ in range(len(text) + 1)]
    reachable[0].add(False)
    for start in sorted(cuts):
        for word in (w for w in words if text.startswith(w, start)):
            if start + len(word) in cuts:
                reachable[start + len(word)].update(
                    seen or word in keywords for seen in reachable[start]
                )
    return True in reachable[len(text)]


@dataclass(frozen=True)
class Understood:
    """What a reply says: its intent and, for a promise, how much and by when (when it says),
    and what decided the intent (the opt-out keywords, a cue's name, or "no cue")."""

    intent: ReplyIntent
    promise_amount: Decimal | None = None
    promise_date: date | None = None
    by: str = field(default="", compare=False)

    def public(self) -> dict[str, object]:
        """The fixed shape ``dunwell replies classify`` prints."""
        return {
            "intent": self.intent,
            "promise_amount": _number(self.promise_amount) if self.promise_amount else None,
            "promise_date": self.promise_date.isoformat() if self.promise_date else None,
        }


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def understand(text: str, channel: Channel, packs: Iterable[Pack], today: date) -> Understood:
    """The reply's intent (an opt-out wins over everything else) and a promise's terms, its
    relative dates read from ``today``, the borrower's local day."""
    if is_opt_out(text, channel, packs):
        return Understood("opt_out", by="opt_out.keyword")
    readable_text = readable(text)
    reading = read(readable_text)
    if reading.intent != "promise_to_pay":
        return Understood(reading.intent, by=reading.by)
    terms = amount(readable_text), promise_date(readable_text, today)
    return Understood(reading.intent, *terms, by=reading.by)


def classify(text: str, channel: Channel, packs: Iterable[Pack]) -> ReplyIntent:
    """The reply's intent; an opt-out wins over everything else."""
    if is_opt_out(text, channel, packs):
        return "opt_out"
    return read(readable(text)).intent
