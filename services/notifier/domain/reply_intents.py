"""What a reply asks for, beyond an opt-out (pure): cues per intent in Chinese and English,
matched after normalisation, in a stated order, with negation.

Order (the first intent with a cue wins): stop calling, complaint, wrong party, dispute, already
paid, reschedule, instalment request, extension request, promise to pay; else other. A cue of the
later, negatable intents (a plan, more time, a promise, a visit) does not count when a negation
stands just before it ("不需要分期", "我不会还", "I won't pay", "no need for an extension"); the
earlier intents' cues carry their negation in themselves ("别再打", "不是我借的", "don't call").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from shared.events import ReplyIntent


@dataclass(frozen=True)
class Cues:
    intent: ReplyIntent
    pattern: re.Pattern[str]
    negatable: bool = False


def _cues(intent: ReplyIntent, *patterns: str, negatable: bool = False) -> Cues:
    return Cues(intent, re.compile("|".join(f"(?:{p})" for p in patterns)), negatable)


_PAY: Final = r"(还|转|付|打款|打钱|结清)"
_FUTURE_EN: Final = r"(will|'ll|going to|gonna|can|promise to|plan to)"
#: Just before a cue, these undo it.
_NEGATION: Final = re.compile(
    r"(不需要|不用|不要|不想|不同意|无需|没必要|不会|不能|没法|不再|不打算|不|没|别"
    r"|don't|do not|won't|will not|can't|cannot|no need (for|to)|not)"
    r"(\s*(要|想|用|会|能|再|打算|需要|i|a|an|the|to|need|want|going|be able|able)\s*){0,3}\s*$"
)
#: Questions asked the A-not-A way (能不能, 有没有) hold no negation.
_A_NOT_A: Final = {
    "能不能": "能",
    "可不可以": "可以",
    "行不行": "行",
    "是不是": "是",
    "要不要": "要",
    "有没有": "有",
    "会不会": "会",
    "可否": "可以",
}

ORDER: Final[tuple[Cues, ...]] = (
    _cues(
        "stop_calling",
        r"(别|不要|不许|勿|停止|不用)\S{0,3}(再)?\S{0,2}(打|来电|给我打|打电话)",
        r"电话别打",
        r"别老打",
        r"(stop|quit)\s+(calling|ringing|phoning)",
        r"(don't|do not|never)\s+(call|phone|ring)",
        r"\bno (more )?(phone )?calls\b|stop (with )?(the |these |your |all )?calls",
        r"not to (call|phone|ring)",
        r"(don't|do not) want any more calls",
    ),
    _cues(
        "complaint",
        r"投诉|举报|12378|消协|银保监|告你们|骚扰|态度\S{0,3}(差|恶劣)|恶劣|威胁我|骂人|太过分",
        r"complain|complaint|harass|report(ing)? (you|this)|regulator|cfpb|lawyer|rude",
        r"consumer (bureau|protection)|speak to a manager|how i was treated|threatened",
        r"反映|报警|监管|辱骂|侮辱|ombudsman|swore|swearing|abusive|abuse|\bsue\b|legal action",
        r"领导|负责人|经理|disrespect|unprofessional|offensive|insult",
    ),
    _cues(
        "wrong_party",
        r"打错|找错人|错人|不认识|没有这个人|不是(他|她)的|换(号|号码)|新办的|已经离职|出国了",
        r"我是(他|她)的?(妻子|老婆|老公|丈夫|爱人|媳妇|家属|妈妈|母亲|爸爸|父亲|同事|弟弟|哥哥|姐姐|妹妹|儿子|女儿|朋友|室友|邻居|亲戚)",
        r"(号码|手机号?)\S{0,4}(是我|我在用)|不是本人|不住这|去世|找的人不是我|搬走|租客",
        r"belongs to me|my number now|(number|phone) is mine",
        r"(他|她)(现在)?不在|这是我(爸|妈|父亲|母亲)的",
        r"wrong (number|person)|(i'm|i am|this is) (his|her) |not \w+'s phone",
        r"(don't|do not) know (anyone|anybody|this person)|nobody called|got this number",
        r"isn't me|not me\b|passed away|(he|she) (is not|isn't) (here|available)",
        r"no one (here )?(by|called|named)|(isn't|is not|not) (his|her) (number|phone)",
        r"moved out|(doesn't|does not) live here",
    ),
    _cues(
        "dispute",
        r"不是我借|不是我的|从来没|没(有)?\S{0,8}(借过|办过|贷过)|冒用|不认|有异议|异议|有误|算错|错了|不对|不合理|不同意",
        r"有问题|别人的账|算到我头上|不一样|不符|不一致|没有这笔|重复扣|多收|多扣|系统的问题",
        r"按时(扣款|还款|还的)|owe (that|this|so) much|not what (we|i) agreed|(was|already) closed",
        r"never (took|borrowed|opened|applied|had|signed)|not my (debt|loan|account)|dispute",
        r"mistake|incorrect|inaccurate|not correct|wrong amount|(don't|do not) recogni[sz]e",
        r"charged (me )?twice|double charged|overcharged|no record of",
        r"fraud|identity theft|in my name|(don't|do not) owe|don't add up|disagree|is wrong",
        r"not mine",
    ),
    _cues(
        "already_paid",
        r"已经\S{0,6}(还|转|付|打|结清)|已还|还清了|结清|还上了|还过了|付过了|刚还|还完了",
        r"(打|转|汇|存)(过去|进去|进)了|款已经|就还了|还了[,。!\s]*(请|你们)?(查|核)?|付清|缴清|已付|还好了",
        r"already (paid|settled|sent|made)|\bi paid\b|\bpaid (yesterday|it|in full|off)\b",
        r"(made|sent) the payment|payment (was )?(sent|made)|i'?ve (paid|settled)|settled this",
        r"transferred the money|was paid|^paid$|already been (made|paid|sent)|been paid",
        r"went through|has been (made|processed)",
        r"settled (the|my) (account|balance|loan|debt)|paid (it )?up\b|cleared (it|the balance)",
    ),
    _cues(
        "reschedule",
        r"改约|改期|改一下|改天|改到|改成|换个时间|换一天|换一下|推到|往后挪|约在|上门时间|拜访时间",
        r"(上午|下午|那天|这天|周.|星期.)\S{0,2}不行|不在家|没空|出差|调整|改日|改个日子",
        r"换个(日子|日期|时间)|晚(一)?点来|早(一)?点来|别的时间|其他时间|安排(在|到)",
        r"(晚上|早上|下午|上午|周末|改天)来",
        r"(这周|那天|那时|明天|今天|周.|下午|上午)\S{0,2}我?(不在|有事|没空)",
        r"reschedul|another (day|time)|other time|different time|change the appointment",
        r"move the (meeting|visit|appointment)|not available that day|come later",
        r"doesn't work for me|won't be home|(doesn't|does not) suit|rearrange|another date",
        r"change the (time|date|day)|instead of \w+day|(come|visit|meet)\b.{0,30}\binstead",
        r"push the (visit|appointment|meeting)|(can't|cannot) make|won't work|how about \w+day",
        negatable=True,
    ),
    _cues(
        "instalment_request",
        r"分期|分几期|分成?\S{0,3}(期|个月|次)|分批|分开还|每个?月\S{0,4}还|按月还|还款计划",
        r"instal+ment|payment plan|monthly payments|split|(\d+|little|bit) (a|per) (week|month)",
        r"each month|in parts|慢慢还|bit by bit|little by little",
        r"smaller payments|work out a plan|all at once|over (a few|several|\w+|\d+) months",
        r"repayment plan|payment arrangement|arrange (a )?(re)?payment|weekly|fortnightly",
        r"every (week|month)",
        negatable=True,
    ),
    _cues(
        "extension_request",
        r"宽限|延期|延后|延长|缓一缓|缓几天|推迟|晚几天|再给我\S{0,2}时间|再给我几天|再等等|过段时间",
        r"extension|extend|more time|more (days|weeks)|postpone|delay|some time|grace period",
        r"few more days|push (the payment )?back|(moved|pushed|put) back|(have|give me) until",
        r"another (few |couple of )?(\w+ )?(days|weeks|month)|until next (month|week)",
        r"延迟|缓到|缓一下|缓缓|多给\S{0,2}(几天|时间|一点时间)|再给\S{0,3}时间|过几天|过阵子|过些天",
        r"周转不开|晚\S{0,3}(天|个月|周)还|hold off|need until|until the \d|(little|bit) longer",
        negatable=True,
    ),
    _cues(
        "promise_to_pay",
        r"会\S{0,2}还|一定还|马上还|就还|还的|今天还|明天还|还清|还上|还完|到时候\S{0,2}还",
        r"尽快还|尽早还|(will|'ll) have (it )?paid",
        rf"(今天|今晚|明天|后天|周.|星期.|礼拜.|号|日|月底|月末|天内|之内|周内|下个?月)\S{{0,8}}{_PAY}",
        rf"{_FUTURE_EN}\s+(pay|send|transfer|clear|make the payment|settle)",
        r"paying (today|tomorrow|now)|i promise",
        negatable=True,
    ),
)


def _negated(text: str, start: int) -> bool:
    return _NEGATION.search(text[max(0, start - 12) : start]) is not None


def readable(text: str) -> str:
    """The reply as the cues read it: width-folded, lower-cased, one space between words,
    straight apostrophes, questions asked the A-not-A way without their "not"."""
    folded = " ".join(unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").split())
    for question, plain in _A_NOT_A.items():
        folded = folded.replace(question, plain)
    return folded


def intent_of(text: str) -> ReplyIntent:
    """The intent of a reply (as :func:`readable` gives it) that is not an opt-out."""
    for cues in ORDER:
        for match in cues.pattern.finditer(text):
            if not cues.negatable or not _negated(text, match.start()):
                return cues.intent
    return "other"
