"""The cues of what a borrower says about paying (pure): already paid, reschedule a visit, an
instalment plan, more time, a promise. Each is the act plus its object: paying in a time past
(paid), a visit's time changed (reschedule), paying split over months (instalment), paying
later (extension), paying in a time ahead or with a commitment (promise). These compete (a
reply may hold two): the weightier cue wins, the earlier intent on a tie. A negation just before
a cue undoes it ("不需要分期", "我不会还", "I haven't paid").
"""

from __future__ import annotations

from typing import Final

from services.notifier.domain.reply_lexicon import (
    EN_AHEAD,
    EN_COMMIT,
    EN_PAID,
    EN_PAY,
    EN_VISIT,
    GAP,
    WORDS,
    ZH_AHEAD,
    ZH_COMMIT,
    ZH_PAST,
    ZH_PAY,
    ZH_TIME,
    ZH_VISIT,
    Cue,
    cue,
)

_ZH_DONE: Final = r"(?:了|过|完|清|上了|好了|的款|进去了|过去了)"
_ZH_CHANGE: Final = r"(?:改|换|调|挪|推|移|变)"
_ZH_UNFREE: Final = (
    r"(?:不行|不在|没空|有事|不方便|来不了|去不了|出差|在外地|上班|加班|开会|不在家)"
)
_EN_CHANGE: Final = r"(?:move|change|shift|push|switch|rearrange|reschedule|bring forward|swap)"
_EN_LATER: Final = r"(?:more|extra|another|additional|a couple (?:of )?more|a few more|\w+ more)"
_EN_SPAN: Final = r"(?:days?|weeks?|months?|time|while)"
#: About paying and not about a visit: a day named is when to pay, not when to come.
_ABOUT_PAYING: Final = (
    r"^(?!.*(?:上门|家访|拜访|见面|visit|appointment|meeting|\bcome\b))"
    rf".*(?:{ZH_PAY}|款|钱|\bpay|money|due)"
)

ALREADY_PAID: Final[tuple[Cue, ...]] = (
    cue(
        "already_paid",
        "already_paid.paid_before",
        rf"{ZH_PAST}{GAP}{{0,8}}{ZH_PAY}",
        rf"{ZH_PAY}{GAP}{{0,2}}{_ZH_DONE}{GAP}{{0,3}}(?:请|你们|麻烦)?{GAP}{{0,2}}(?:查|核)",
        r"已还|还清了|还上了|还过了|付过了|还完了|付清|缴清|已付|还好了|款已经|钱已经",
        rf"(?:打|转|汇|存)(?:过去|进去|进|到){GAP}{{0,2}}了",
        r"already|\bi've (?:\w+ )?(?:paid|settled|sent|cleared|made)|has been (?:paid|made"
        r"|processed|settled)",
        rf"\b(?:i|we|it was|was|been|just)\s+{WORDS}{{0,2}}?{EN_PAID}",
        r"(?<!get )(?<!be )\bpaid (?:yesterday|last|on|it|this|already|\$?\d)"
        r"|^paid\b",
        r"payment (?:was |has been )?(?:sent|made|went through|processed|done|completed)",
        r"(?:went|gone|came) out|been taken|(?:还款|扣款|转账|支付|付款)成功",
        r"(?:money|payment|it|funds|balance) (?:was|were|has been|got) (?:sent|paid|transferred"
        r"|made|settled|cleared)",
        r"went through|it's been paid|(?:is|was|are) (?:paid|settled) (?:off|up|in full)",
        negatable=True,
    ),
    cue(
        "already_paid",
        "already_paid.done",
        rf"{ZH_PAY}{_ZH_DONE}",
        r"(?<!get )(?<!be )\bpaid\b",
        negatable=True,
        weight=1,
    ),
    cue(  # "我周一还的": the 的 of a deed done ("我会还的" is a promise)
        "already_paid",
        "already_paid.was_paid",
        r"(?<![会要定证])还的(?:款|钱)?(?:$|[,。!?])",
        negatable=True,
        weight=3,
    ),
)

RESCHEDULE: Final[tuple[Cue, ...]] = (
    cue(
        "reschedule",
        "reschedule.named",
        r"改约|改期|改天|改日|reschedul|rearrange|another (?:day|date)|different (?:day|date)",
        r"改个日子|换个(?:日子|日期|时间)|换一天|别的时间|其他时间|另约|重新约",
        r"(?:another|other|different|a later|an earlier) (?:time|slot)",
        negatable=True,
    ),
    cue(
        "reschedule",
        "reschedule.visit_moved",
        rf"{ZH_VISIT}{GAP}{{0,6}}{_ZH_CHANGE}|{_ZH_CHANGE}{GAP}{{0,6}}{ZH_VISIT}",
        rf"{ZH_VISIT}{GAP}{{0,4}}(?:时间|日子)|{_ZH_CHANGE}(?:到|成|在)?{GAP}{{0,4}}{ZH_TIME}",
        rf"{ZH_VISIT}{GAP}{{0,8}}(?:下周|下次|改天|以后|过几天|再说|推|晚|换|改)",
        rf"(?:约|安排)(?:在|到){GAP}{{0,4}}{ZH_TIME}|{ZH_TIME}{GAP}{{0,2}}(?:再)?来",
        rf"(?:晚|早)(?:一)?点{GAP}{{0,2}}{ZH_VISIT}|{_ZH_CHANGE}(?:一下|一挪)|{_ZH_CHANGE}成(?:视频"
        rf"|电话|线上|网上)",
        rf"{_EN_CHANGE}\s+{WORDS}{{0,4}}?{EN_VISIT}|{_EN_CHANGE} (?:it|this|that|things) (?:to|till"
        rf"|until|back|forward)|{_EN_CHANGE} (?:the|my|our) (?:time|date|day)"
        rf"|{EN_VISIT}\b.{{0,30}}\binstead",
        r"(?:visit|come|meet)\b.{0,30}\b(?:instead|later|earlier|on (?:a |the )?\w+day|next week"
        r"|weekend)",
        r"(?:how|what) about (?:\w+day|the \w+|next|after)|(?:can't|won't be able to) make",
        r"(?:could|can) we do (?:\w+ ){0,2}(?:\w+day|week|time|date|morning|afternoon|evening)",
        r"\b(?:come|came|coming|visit|meet)\b.{0,20}\b(?:in the (?:morning|afternoon|evening)|at \d"
        r"|after \d|before \d)",
        negatable=True,
        unless=_ABOUT_PAYING,
    ),
    cue(
        "reschedule",
        "reschedule.not_free",
        rf"{ZH_TIME}{GAP}{{0,3}}我?{_ZH_UNFREE}|{_ZH_UNFREE}{GAP}{{0,2}}(?:见面|上门|面谈|接待)",
        r"(?:not (?:available|free|home|around|in)|away|out of town|travel+ing|on holiday) (?:that"
        r"|on|this|then|at)|won't be (?:home|in|around|there)",
        r"(?:doesn't|does not|won't) (?:work|suit)|not (?:a )?good (?:time|day)"
        r"|\w+day'?s? (?:is )?(?:no good|not good|bad|out)|i work until",
        weight=1,
        unless=_ABOUT_PAYING,
    ),
)

INSTALMENT: Final[tuple[Cue, ...]] = (
    cue(
        "instalment_request",
        "instalment_request.split",
        rf"分期|分(?:几|[\d一二两三四五六七八九十]+|成|开|批|段|次){GAP}{{0,3}}(?:期|个月|次|批|还"
        rf"|付|吗)?",
        r"每个?(?:月|周|星期|期)|按(?:月|周|期)|一部分|一点一点|慢慢还|还款计划|还款方案",
        rf"一次(?:性)?{GAP}{{0,3}}(?:还|付|拿){GAP}{{0,1}}(?:不|没)|一下子{GAP}{{0,3}}(?:还|付"
        rf"|拿){GAP}{{0,1}}(?:不|没)",
        rf"分摊|少还点|先(?:还|付).{{0,8}}剩下|先(?:还|付){GAP}{{0,4}}(?:一半|一部分|部分)"
        rf"|剩下的{GAP}{{0,6}}{ZH_PAY}",
        r"instal+ments?|(?:payment|repayment|hardship) plan|a plan\b|monthly|weekly|fortnightly",
        r"\d\s*(?:\w+ )?(?:a|per) (?:week|month)|(?:per|each|every) (?:week|month|fortnight)"
        r"|in (?:parts|chunks|pieces|stages|bits)",
        r"bit by bit|little by little|smaller (?:payments|amounts|sums)|split|spread|all at once",
        r"over (?:a few|several|the next|\w+|\d+) (?:months|weeks)|payment arrangement"
        r"|part payments",
        r"arrange (?:a )?(?:re)?payment|work out a plan|installment|every (?:\w+ )?(?:weeks?"
        r"|months?)",
        r"(?:each|every) (?:payday|pay day|paycheck|pay check)",
        r"(?:half|part|some) now|the rest (?:next|later|in|on)|the remainder|break it (?:up|into)",
        negatable=True,
    ),
)

EXTENSION: Final[tuple[Cue, ...]] = (
    cue(
        "extension_request",
        "extension_request.more_time",
        r"宽限|延期|延后|延长|延迟|推迟|推后|缓(?:一|两|几|\d)?(?:天|周|个月|段|阵|下|缓|到)|再等"
        r"|等等|过段时间|过阵子|过些天",
        r"(?:还不上|还不起|拿不出|没钱还|还不了).{0,12}(?:下个?月|下周|过几天|以后|晚点)",
        rf"(?:再|多)给{GAP}{{0,3}}(?:时间|几天|一周|一个月|\d+天)|过几天",
        rf"(?:晚|迟)(?:几|一|两|些|点|\d)(?:天|日|个月|周|点|些)?{GAP}{{0,2}}{ZH_PAY}|给我?{GAP}{{0,4}}时间",
        rf"(?:能|可以|可否|请|求|拜托|麻烦){GAP}{{0,4}}等|等{GAP}{{0,8}}(?:吗|可以吗|行吗|好吗)",
        rf"{ZH_AHEAD}{GAP}{{0,6}}{ZH_PAY}{GAP}{{0,3}}(?:可以|行|好|成)吗",
        rf"{ZH_AHEAD}{GAP}{{0,3}}再{ZH_PAY}|周转不开|宽容|通融",
        rf"(?:推|挪|拖|延)(?:到|至|后){GAP}{{0,8}}{ZH_PAY}|(?:往后|向后)(?:挪|推|延|拖)",
        rf"再(?:{ZH_PAY}|还(?=可以|行|好|成)){GAP}{{0,3}}(?:可以|行|好|成)吗",
        r"(?:pay|wait|give me|have|need|time|hold|delay)\b.{0,20}\buntil (?:next|the end)",
        r"(?:pause|freeze|suspend|stop) (?:the )?collect|extension|extend|more time|postpone|delay"
        r"|defer|grace|hold off|bit longer|little longer",
        rf"{_EN_LATER} (?:\w+ ){{0,2}}?{_EN_SPAN}|need until|until the \d|(?:have|give me) until",
        r"pay\b.{0,12}\b(?:next|at the end|in a|after|on the|later|\w+day)\b.{0,20}instead",
        r"(?:can|could|may) i (?:please )?pay (?:it |this )?(?:next|at the end|in (?:a|two|\d)"
        r"|after|on the \d|on \w+day|when|once)",
        r"(?:pay|payment|settle)\b.{0,15}\blater\b|later than|a later date|push (?:\w+ ){0,2}back"
        r"|(?:moved|pushed|put) back|some time|wait (?:a|until|till)",
        negatable=True,
    ),
)

PROMISE: Final[tuple[Cue, ...]] = (
    cue(
        "promise_to_pay",
        "promise_to_pay.when",
        rf"{ZH_AHEAD}{GAP}{{0,10}}{ZH_PAY}",
        rf"{ZH_COMMIT}{GAP}{{0,3}}{ZH_PAY}",
        rf"{EN_COMMIT}\s+(?!i\b|we\b|you\b){WORDS}{{0,2}}?{EN_PAY}",
        rf"(?:paying|sending|transferring|wiring|depositing|settling"
        rf"|clearing)\b.{{0,20}}\b{EN_AHEAD}|expect (?:the |my )?(?:money|payment|it)\b|(?:will"
        rf"|'ll) have (?:it|this|everything) (?:paid|sorted|cleared)",
        r"(?:payment|money|it|the balance|the rest) (?:will|'ll) be (?:made|paid|sent|transferred"
        r"|settled|with you)",
        r"i promise|you have my word|(?:money|payment)'?s? (?:is )?(?:coming|on (?:its|the) way)",
        r"you(?:'ll| will) (?:have|get|receive) (?:it|the money|your money|the payment)",
        negatable=True,
    ),
)

PROMISE_HAVE_PAID: Final = cue(  # "I'll get it paid off by Friday" is no payment made
    "promise_to_pay",
    "promise_to_pay.will_have_paid",
    r"(?:will|'ll|going to|gonna) (?:get|have) (?:it|this|that|everything|the (?:\w+ )?"
    r"(?:balance|amount|loan|debt)) (?:paid|settled|cleared|sorted)",
    r"(?:will|'ll) be paid (?:off |in full )?(?:by|on|before|tomorrow|next|this)",
    negatable=True,
    weight=3,
)

#: The requests in the bank's order (the earlier wins a tie).
REQUESTS: Final[tuple[Cue, ...]] = (
    *ALREADY_PAID,
    *RESCHEDULE,
    *INSTALMENT,
    *EXTENSION,
    *PROMISE,
    PROMISE_HAVE_PAID,
)
