"""The words replies are read with (pure): a reply made readable, and the concepts the cues are
built from, each a regular-expression fragment naming one meaning in Chinese and English (to
pay, paid, a time ahead, a time past, a figure, wrong, a relation, a visit, a call).

A cue is a combination of concepts ("a figure" + "wrong" is a dispute; "a time ahead" + "to
pay" is a promise), so a phrasing never seen is read the way its parts are. Gaps between the
parts of a cue stay inside one clause (:data:`GAP` never crosses a comma or a full stop).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from services.notifier.domain.reply_script import plain
from shared.events import ReplyIntent

#: Up to n characters of the same clause: a cue's parts never straddle a comma or full stop.
GAP: Final = r"[^,。.!?;、\s]"
#: A word of the same clause in English, never a negation (so "i haven't paid" is no "i paid").
WORDS: Final = (
    r"(?:(?!(?:not|never|no|haven't|hasn't|didn't|don't|can't|won't|cannot)\b)[\w'$,.-]+\s+)"
)

# --- paying ---------------------------------------------------------------------------------
#: To pay, in Chinese: 还 (not the adverb "still": 还要, 还有, 还差, 还发…), 转, 付, 打款, 结清.
ZH_PAY: Final = (
    r"(?:还(?![要需有是在差会能得可剩发打找催欠用挺没不让])|转账"
    r"|转(?=\s*(?:了|钱|给|过去|款|\d|[一二两三四五六七八九十百千万]|$))"
    r"|付款|支付|付(?![出不没])|打款|打钱|打过去|汇款|汇过去|存进|缴|结清|清掉|交钱|补上|扣款"
    r"|扣(?=了|钱|费|款|走)"
    r"|处理)"
)
#: To pay, in English (the base form).
EN_PAY: Final = (
    r"(?:pay|send|transfer|wire|deposit|settle|clear|cover|make (?:a |the )?payment"
    r"|have .{0,20} (?:to|with) you"
    r"|get (?:the|your|you the) money|get (?:it|this) (?:paid|sorted|settled|cleared)"
    r"|sort (?:it|this) out|take care of)"
)
#: Paid, in English (the past forms), with what was paid where the verb alone is ambiguous.
EN_PAID: Final = (
    r"(?:(?<!get )(?<!gets )(?<!getting )(?<!be )paid|settled|cleared|transferred|wired|deposited"
    r"|made (?:a |the )?payment"
    r"|took care of|taken care of|sorted (?:it|this) out"
    r"|sent (?:you |over |in )?(?:the |my |it|all|everything|\$|\d|(?:the )?(?:money|payment"
    r"|funds)))"
)
#: A time already past, in Chinese (上周五, 昨天, 刚, 已经).
ZH_PAST: Final = (
    r"(?:已经|已|(?<![明一今])早就|早已|刚刚|刚才|刚|昨天|昨晚|昨日|前天|前几天|上周|上星期|上礼拜"
    r"|上个?月"
    r"|那天就|之前就|就已|\d+号就|前两天|前几天|几天前|两天前|上次|早前|之前已)"
)
#: A time ahead, in Chinese (今天, 明天, 下周五, 15号, 月底, 三天内, 发工资).
ZH_AHEAD: Final = (
    r"(?:到时候|到时|那时候|今天|今晚|今日|今儿|明天|明早|明晚|明日|明儿|后天|(?<![上])(?:这|下"
    r"|本)?个?(?:周|星期|礼拜)[一二三四五六日天末]"
    r"|下个?(?:周|星期|礼拜|月)|月底|月末|年底|年前|\d+号|\d+日|[一二三四五六七八九十]+号|天内|之内"
    r"|以内|之前|(?<!提)前(?=还|把|一定|会|转|付)|发工资|工资(?:到|发|下来)|到账|回头|等会|一会"
    r"|待会"
    r"|过会|尽快|尽早|马上|立刻|立即|第一时间|这两天|这几天|中午|下午|晚上)"
)
#: A commitment, in Chinese: will, surely, at once, first (会, 一定, 马上, 先, 就去).
ZH_COMMIT: Final = r"(?:会|一定|肯定|保证|争取|答应|承诺|就|去|先|准备|打算|计划|保准|绝对)"
#: A commitment, in English: will, going to, can (never a question's "can I").
EN_COMMIT: Final = (
    r"(?:i'll|we'll|i will|we will|i'm going to|i am going to|gonna|going to|will"
    r"|i can|we can|i could|promise to|plan to|intend to|i'd like to|let me|i shall|i'm about to"
    r"|i'm gonna|i want to|i'm able to|able to)"
)
#: A time ahead, in English.
EN_AHEAD: Final = (
    r"(?:today|tonight|tomorrow|now|soon|asap|this (?:week|weekend|month|evening|afternoon)"
    r"|next (?:week|month|\w+day)|on (?:the )?\w+|by (?:the )?\w+|within|first thing|later today"
    r"|end of|payday|when i get paid|once i get)"
)
# --- what a borrower asks about ---------------------------------------------------------------
#: A figure of the debt: an amount, the interest, a fee, the balance, the days overdue.
ZH_FIGURE: Final = (
    r"(?:金额|数额|数目|数字|账单|账|利息|罚息|本金|手续费|服务费|收费|费用|滞纳金|违约金|逾期天数"
    r"|余额|欠款|钱数|总额|还款额|这么多|那么多|多少钱|两万|数|记录|系统|数据)"
)
EN_FIGURE: Final = (
    r"(?:amount|balance|figure|figures|numbers|sum|total|charges?|fees?|interest|penalty|penalties"
    r"|bill|statement|debt|what you say i owe|how much)"
)
#: Wrong, unfair, not as agreed.
ZH_WRONG: Final = (
    r"(?:不对|有误|错了|算错|弄错|搞错|错误|不符|不一致|不一样|对不上|有问题|不合理|离谱|太多|太高"
    r"|虚高"
    r"|乱收|乱扣|多收|多扣|重复|不认|高很多|多很多|高出|多出|高了|多了|这么高|那么高|这么贵|太贵"
    r"|超过|超出|过高|不合法|高利贷)"
)
EN_WRONG: Final = (
    r"(?:wrong|incorrect|inaccurate|not right|not correct|off\b|way off|too high|inflated"
    r"|(?:doesn't|don't) add up|a mistake|an error|mistaken|makes no sense|not accurate|bogus"
    r"|higher than|more than (?:what )?i (?:owe|borrowed)|too much|(?:doesn't|don't|does not) match"
    r"|not matching|mismatch|different from|ridiculous|outrageous|unfair|absurd)"
)
#: A relation to the borrower: family, friend, colleague, landlord.
ZH_RELATION: Final = (
    r"(?:妻子|老婆|老公|丈夫|爱人|媳妇|家属|家人|妈妈|妈|母亲|爸爸|爸|父亲|同事|弟弟|哥哥|姐姐|妹妹"
    r"|儿子|女儿|朋友|室友|邻居|亲戚|房东|领导|老板|员工|秘书|前妻|前夫|对象|男朋友|女朋友|孩子"
    r"|爷爷|奶奶|外婆|姥姥|叔叔|阿姨|舅舅|表哥|表姐|堂哥|同学|助理)"
)
EN_RELATION: Final = (
    r"(?:wife|husband|partner|mother|mom|mum|father|dad|son|daughter|brother|sister|friend"
    r"|colleague|coworker|co-worker|boss|roommate|flatmate|neighbou?r|landlord|landlady|tenant"
    r"|cousin|aunt|uncle|grandson|granddaughter|grandmother|grandfather|niece|nephew|ex|assistant"
    r"|secretary|girlfriend|boyfriend|fianc[eé]e?|relative|family)"
)
#: A visit or appointment, and coming.
ZH_VISIT: Final = r"(?:上门|家访|拜访|见面|面谈|来访|约的|约好|预约|来|过来|面签|到访)"
EN_VISIT: Final = (
    r"(?:visit|appointment|meeting|slot|call-?out|home visit|come|came|coming|agent|officer|meet)"
)
#: A time of day or a day.
ZH_TIME: Final = (
    r"(?:时间|日子|日期|那天|这天|那时|这周|本周|那周|这几天|那几天|上午|下午|晚上|早上|中午|周末"
    r"|工作日|明天|今天|后天|改天|下周"
    r"|(?:周|星期|礼拜)[一二三四五六日天]|[\d一二三四五六七八九十]+点|\d+号)"
)

#: Just before a cue, these undo it ("不需要分期", "我不会还", "I won't pay").
NEGATION: Final = re.compile(
    r"(?:不需要|不用|不要|不想|不同意|无需|没必要|不会|不能|没法|没办法|不再|不打算|不可能|不|没|别"
    r"|甭"
    r"|don't|won't|can't|never|no need (?:for|to)|not|haven't|hasn't|didn't|no way|refuse to)"
    r"(?:\s*(?:要|想|用|会|能|再|打算|需要|有|i|a|an|the|to|need|want|going|be able|able|yet|been"
    r"|be"
    r"|ever|really|even|any|afford to)\s*){0,3}\s*$"
)
#: Questions asked the A-not-A way (能不能, 有没有) hold no negation.
_A_NOT_A: Final = {
    **{"能不能": "能", "可不可以": "可以", "行不行": "行", "是不是": "是", "要不要": "要"},
    **{"有没有": "有", "会不会": "会", "可否": "可以", "好不好": "好", "方不方便": "方便"},
}
#: English as it is texted, one way: contractions, with or without their apostrophe.
_CONTRACTIONS: Final = tuple(
    (re.compile(rf"\b{spelled}\b"), short)
    for spelled, short in (
        (r"can ?not|cant", "can't"),
        (r"dont", "don't"),
        (r"doesnt", "doesn't"),
        (r"didnt", "didn't"),
        (r"wont", "won't"),
        (r"isnt", "isn't"),
        (r"havent", "haven't"),
        (r"hasnt", "hasn't"),
        (r"im", "i'm"),
        (r"ive", "i've"),
        (r"i will", "i'll"),
    )
)


def readable(text: str) -> str:
    """The reply as the cues read it: width-folded, lower-cased, one space between words,
    in simplified Mandarin and plain English words (:func:`~.reply_script.plain`), straight
    apostrophes, contractions one way, questions asked the A-not-A way without their
    "not"."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    folded = plain(" ".join(folded.split()))
    for spelled, short in _CONTRACTIONS:
        folded = spelled.sub(short, folded)
    for question, asked in _A_NOT_A.items():
        folded = folded.replace(question, asked)
    return folded


@dataclass(frozen=True)
class Cue:
    """One way of saying an intent: its name (how a reading is explained), the pattern, whether
    a negation just before it undoes it, and its weight where requests compete."""

    intent: ReplyIntent
    name: str
    pattern: re.Pattern[str]
    negatable: bool = False
    weight: int = 2
    #: A reply this matches anywhere does not count the cue.
    unless: re.Pattern[str] | None = None


def cue(
    intent: ReplyIntent,
    name: str,
    *patterns: str,
    negatable: bool = False,
    weight: int = 2,
    unless: str | None = None,
) -> Cue:
    """A cue matching any of ``patterns``."""
    pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
    return Cue(intent, name, pattern, negatable, weight, re.compile(unless) if unless else None)
