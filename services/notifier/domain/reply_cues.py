"""The cues of the intents that come first, in the bank's order (pure): stop calling, complaint,
wrong party, dispute. Each intent is a few families named by what the borrower does (forbids a
call; reports the bank; says who they are instead; says the loan or the figure is not theirs or
not right), built from :mod:`~services.notifier.domain.reply_lexicon`'s concepts. These cues
carry their negation in themselves ("别再打", "不是我借的", "don't call").
"""

from __future__ import annotations

from typing import Final

from services.notifier.domain.reply_lexicon import (
    EN_FIGURE,
    EN_RELATION,
    EN_WRONG,
    GAP,
    ZH_FIGURE,
    ZH_RELATION,
    ZH_WRONG,
    Cue,
    cue,
)

_ZH_FORBID: Final = r"(?:别|不要|不许|勿|停止|不用|不想|不希望|不准|甭|不需要|莫)"
_ZH_CALL: Final = r"(?:打(?![款钱算折卡进到过扰]|了?\d)|拨|来电|致电|电话|call)"
_EN_CALL: Final = r"(?:call|calls|calling|ring|ringing|phone|phoning|dial|dialling|dialing)"
_EN_FORBID: Final = r"(?:stop|quit|don't|do not|never|no more|cease|enough)"
_EN_BETWEEN: Final = (
    r"(?:me|us|again|anymore|this|my|the|with|all|these|your|those|any|more|ever|calling|to)"
)

_ZH_MESSAGE: Final = r"(?:短信|消息|信息|邮件|通知|提醒|推送|微信)"
_EN_MESSAGE: Final = r"(?:texts?|messages?|emails?|sms|reminders?|notifications?|mail)"

#: Asked in words, not by the keyword: stop the messages (on the channel the reply came by).
OPT_OUT: Final[tuple[Cue, ...]] = (
    cue(
        "opt_out",
        "opt_out.stop_messages",
        rf"{_ZH_FORBID}{GAP}{{0,2}}(?:给我)?{GAP}{{0,2}}(?:发|推"
        rf"|推送)(?![钱款]){GAP}{{0,3}}{_ZH_MESSAGE}?",
        rf"不想{GAP}{{0,2}}收{GAP}{{0,4}}{_ZH_MESSAGE}?|(?:关掉|关闭"
        rf"|取消){GAP}{{0,3}}{_ZH_MESSAGE}",
        rf"(?:名单|列表){GAP}{{0,6}}(?:删|去掉|移除)|(?:删|移除){GAP}{{0,6}}(?:名单|列表)",
        r"unsubscribe|opt (?:me )?out|remove (?:me|my \w+|this \w+) from|take me off",
        rf"no more {_EN_MESSAGE}|stop (?:texting|sending|messaging|emailing)",
        r"(?:don't|do not) (?:text|message|email|send) (?:me|us|this)",
    ),
    cue(  # "我要退订你们公众号的消息": the keyword with what it stops, in a sentence
        "opt_out",
        "opt_out.keyword_with_object",
        rf"(?<!取消)退订(?![了过]){GAP}{{0,10}}{_ZH_MESSAGE}",
        negatable=True,
    ),
)

STOP_CALLING: Final[tuple[Cue, ...]] = (
    cue(
        "stop_calling",
        "stop_calling.forbid_call",
        rf"{_ZH_FORBID}{GAP}{{0,8}}{_ZH_CALL}",
        rf"拉黑|屏蔽|打爆|轰炸|狂打|连环打|(?:不想|不要|不愿|拒绝)(?:再)?接{GAP}{{0,4}}(?:电话"
        rf"|来电)",
        rf"电话{GAP}{{0,3}}{_ZH_FORBID}{GAP}{{0,2}}(?:打|来)",
        r"别老打|少打电话",
        rf"(?:打|电话){GAP}{{0,4}}(?:烦|受不了|没完|太多|太频繁|够了)",
        r"calls? (?:are |is )?(?:not|no longer) (?:welcome|wanted|ok|okay)|(?:text|message"
        r"|email) me instead",
        r"\b(?:text|sms|messages?|email) only\b|only (?:text|message|email) me",
        rf"{_EN_FORBID}\s+(?:{_EN_BETWEEN}\s+){{0,2}}{_EN_CALL}",
        rf"\bno (?:more )?(?:phone )?calls\b|not to {_EN_CALL}",
        r"(?:don't|do not) want (?:any (?:more )?calls|to be (?:called|rung|phoned))",
        r"(?:don't|never) want (?:\w+ ){0,2}(?:call|ring|phone)",
        r"(?:don't|do not|stop) contact(?:ing)? me (?:by|on|via|over) (?:the )?(?:phone|telephone"
        r"|mobile)",
        r"(?:cease|stop|end|no (?:more )?)\s*(?:all )?(?:tele)?phone contact",
        r"(?:don't|do not|no longer) (?:consent|agree) to (?:\w+ ){0,2}(?:calls|being called"
        r"|phone)",
    ),
)

COMPLAINT: Final[tuple[Cue, ...]] = (
    cue(
        "complaint",
        "complaint.report",
        r"投诉|举报|12378|12363|12345|消协|消费者协会|银保监|金融监管|监管|人民银行|央行|告你们"
        r"|起诉"
        r"|律师|报警|曝光|媒体|法院|市长热线",
        rf"(?:反映|反馈){GAP}{{0,8}}(?:催收|员工|工作人员|客服|你们|行为|态度|问题|情况|这件事"
        rf"|这事)",
        rf"向{GAP}{{0,8}}(?:反映|反馈)|总部|上级|高层",
        r"(?:给|要|讨)(?:个|一个)?(?:说法|解释|交代)",
        rf"(?:处理|处分|开除|追责){GAP}{{0,4}}(?:人员|员工|催收员|工作人员)",
        r"complain|grievance|report(?:ing)? (?:you|this|it|them|your)|regulator|ombudsman|cfpb"
        r"|\bftc\b|attorney general|lawyer|solicitor|\bsue\b|legal action|consumer (?:bureau"
        r"|protection)"
        r"|taking this (?:up|further)|escalat|(?:speak|talk) (?:to|with) (?:a |your "
        r"|the )?(?:manager|supervisor)"
        r"|(?:the way|how) i(?:'ve| have)? (?:been|was) (?:treated|spoken to)",
        r"(?:找|叫|让|要)(?:你们)?的?(?:领导|负责人|经理|主管)|(?:领导|负责人|经理|主管)(?:电话"
        r"|出来|来|跟我)",
    ),
    cue(
        "complaint",
        "complaint.conduct",
        r"骚扰|威胁|恐吓|辱骂|骂人|骂我|侮辱|恶劣|不客气|不礼貌|没礼貌|没有礼貌|不讲礼貌|没素质"
        r"|不尊重|吼|凶我|嚷"
        r"|过分"
        r"|暴力|侵犯|隐私|不满|违法|非法|违规|难听|吵|闹事|大闹|恶心|差劲|态度\S{0,3}(?:差|不好)"
        r"|爆通讯录"
        r"|通讯录",
        r"harass|threat|abuse|abusive|rude|disrespect|unprofessional|offensive|insult|shout|yell"
        r"|scream|swore|swearing|bully|intimidat|unacceptable|disgusting|how i was treated"
        r"|aggressive",
    ),
)

_ZH_NOT_THEM: Final = r"(?:他|她|[\u4e00-\u9fff]{1,2}(?:先生|女士|小姐|总|经理|老师|生|太))"

WRONG_PARTY: Final[tuple[Cue, ...]] = (
    cue(
        "wrong_party",
        "wrong_party.wrong_contact",
        r"打错|发错|找错|错人|错号|wrong (?:number|person|guy|girl|man|woman|lady|people|contact"
        r"|phone)",
        r"(?:incorrect|not the right) (?:number|person)|texting the wrong|got the wrong",
    ),
    cue(
        "wrong_party",
        "wrong_party.not_me",
        rf"我不是{_ZH_NOT_THEM}|我不叫|不是本人|找的人不是我|不是我本人|我不姓",
        r"我不是(?![不没故说要很在])[\u4e00-\u9fff]{2,3}(?<![的了吧啊呀])(?:$|[,。!?\s])",
        rf"不是(?:你|你们){GAP}{{0,4}}(?:人|那位|那个)|不在这个号|这个号(?:码)?(?:上)?没有",
        r"i'm not the (?:account holder|borrower|customer|person|one|owner)|(?:\bnot|n't) (?:him"
        r"|her)\b",
        r"isn't me|(?:\bnot|n't) me\b|i'm not (?:mr|mrs|ms|miss|the person|him|her|who)|not (?:mr"
        r"|mrs|ms|miss)\b",
        r"my name (?:isn't|is not)|you have the wrong",
    ),
    cue(
        "wrong_party",
        "wrong_party.relation",
        rf"我是(?:{_ZH_NOT_THEM}|他们)的?{ZH_RELATION}",
        rf"这是我{ZH_RELATION}的|(?:他|她)是我{ZH_RELATION}",
        rf"(?:i'm|this is|it's) (?:his|her|their|the borrower's) {EN_RELATION}",
        rf"{EN_RELATION} of (?:his|hers|theirs)|(?:his|her) {EN_RELATION} here",
        rf"\b(?:he|she)(?:'s| is) my {EN_RELATION}|(?:this is|it's) my {EN_RELATION}'s",
    ),
    cue(
        "wrong_party",
        "wrong_party.no_such_person",
        r"不认识|没有这个人|没这个人|查无此人|没有(?:这个|这位|叫)\S{0,4}(?:人|员工|同事)"
        r"|没有这个员工",
        r"no such (?:person|employee|name|customer)|never heard of|nobody (?:here )?(?:by|called"
        r"|named|with)",
        r"no one (?:here )?(?:by|called|named)|don't know (?:anyone|anybody|him|her|them"
        r"|who (?:that|this) is)",
        r"don't know (?:this|that|the|any) (?:person|guy|man|woman|lady|name|people)",
    ),
    cue(
        "wrong_party",
        "wrong_party.number_not_theirs",
        rf"(?:号码|手机号?|这个号|电话号?){GAP}{{0,4}}(?:是我|我在用|我的了|新办|不是(?:他|她))"
        rf"|新办的",
        r"(?:他|她)(?:已经|早就)?换(?:了)?(?:号|号码|手机)",
        r"公司的电话|单位的电话|座机|前台|总机|这是我(?:爸|妈|父亲|母亲)的",
        r"belongs to me|registered to me|my number now|(?:number|phone) is mine|got this number"
        r"|new number",
        r"(?:isn't|is not|not) (?:his|her|their) (?:number|phone)|(?:\bnot|n't) \w+'s (?:phone"
        r"|number)",
        r"(?:business|company|office|work) (?:line|number|phone)|this is a (?:shop|store|business)",
    ),
    cue(
        "wrong_party",
        "wrong_party.away",
        r"(?:他|她)(?:现在|已经|早就|早)?(?:不在|不住|出国|离职|去世|住院|搬|坐牢|失联|走了)",
        r"不住这|搬走|去世|passed away|(?:doesn't|does not|no longer) (?:live|work) here",
        r"moved (?:out|away)|\b(?:he|she)(?:'s| is) (?:abroad|away|in prison|not (?:here"
        r"|available))",
        r"(?:he|she) (?:isn't|is not) (?:here|available)|lost (?:his|her) phone|died\b",
    ),
)

_ZH_DENY_LOAN: Final = r"(?:借|贷|办|签|申请|开户|开|用)"

DISPUTE: Final[tuple[Cue, ...]] = (
    cue(
        "dispute",
        "dispute.not_my_loan",
        rf"不是我{GAP}{{0,3}}{_ZH_DENY_LOAN}|不是我的|(?:从来|从未|根本"
        rf"|并)?没(?:有)?{GAP}{{0,8}}{_ZH_DENY_LOAN}(?:过|的)",
        r"(?:没有|没|并没|从没|从来没|不算)逾期|扣款失败|(?:你们|银行|系统)的?(?:问题|原因|失误)",
        r"又(?:冒|多|跑)出来|凭空|(?:为什么|怎么|为啥)(?:还|仍然|还是)(?:显示|有|欠|要我)"
        r"|变成了?[\d一二两三四五六七八九十百千万]|翻倍|翻了",
        r"冒用|盗用|被人用|盗刷|别人的账|算到我头上|没有这笔|诈骗贷款|身份证被",
        r"never (?:received|got|saw|had) (?:the|this|that|any) (?:money|loan|funds|card)",
        r"closed account|account (?:is|was) closed|why am i (?:being )?charged",
        r"(?:turn|turned|grew|gone|went|jumped|ballooned) (?:up )?(?:in)?to \$?\d",
        r"never (?:took|borrowed|opened|applied|had|signed|got)|(?:\bnot|n't) my (?:debt|loan"
        r"|account|card)",
        r"(?:不|没)欠|fraud|identity theft|in my name|(?:don't|do not) recogni[sz]e|no record of"
        r"|never (?:had|owed)",
        r"(?:was|already|been) closed|(?:don't|do not|never) owe",
    ),
    cue(
        "dispute",
        "dispute.figure_wrong",
        rf"{ZH_FIGURE}{GAP}{{0,8}}{ZH_WRONG}|{ZH_WRONG}{GAP}{{0,4}}{ZH_FIGURE}",
        rf"{ZH_FIGURE}{GAP}{{0,3}}比{GAP}{{0,10}}(?:高|多|贵)",
        rf"{EN_FIGURE}\b.{{0,30}}?\b{EN_WRONG}|{EN_WRONG}\s+{EN_FIGURE}",
        r"账单错|有异议|异议|有误|算错|不合理|重复扣|多收|多扣|乱收费|系统的问题",
        r"charged (?:me )?twice|double charged|overcharg|owe (?:that|this|so) much|mistake|error",
        r"incorrect|inaccurate|(?:doesn't|don't) add up|(?:charg|bill)\w* me for",
        r"(?:don't|do not) (?:think|believe) i owe|owe (?:this|that) (?:much|amount)",
    ),
    cue(
        "dispute",
        "dispute.borrowed_less",
        r"(?:只|才|明明只?)(?:借|欠|贷)了?|(?:借|欠|贷)的(?:是|只有|才)|乱(?:算|收|扣|加|计)"
        r"|怎么(?:要|会)(?:还|欠)|怎么(?:变成|多出|这么多|那么多)",
        r"凭什么|哪来的|哪里来的|哪儿来的",
        r"only (?:borrowed|owe|took|had)|where (?:did|does) (?:this|that|the)|how did (?:it"
        r"|this) get",
    ),
    cue(
        "dispute",
        "dispute.disagree",
        rf"(?:不|没|从没|从来没|未){GAP}{{0,2}}(?:同意|认可|认|承认|授权|答应|接受)|不认",
        r"disagree|dispute|(?:don't|do not|didn't|did not|never|won't|will not) (?:agree|accept"
        r"|authori[sz]e|consent)|(?:\bnot"
        r"|n't) what (?:we|i|you) agreed",
        r"(?:proof|prove|evidence)(?: that)? i owe|proof of (?:the|this) (?:debt|loan)|validat",
        r"show me (?:the|a) (?:contract|agreement)|verify (?:the|this) debt",
        r"(?:给我|拿出|出示|提供)\S{0,2}(?:看)?(?:合同|借据|凭证|证据|证明)|证明我欠|按时(?:扣款"
        r"|还款|还的)",
    ),
)
