"""How borrowers write, brought to one way (pure): traditional characters to simplified ones,
Cantonese and colloquial function words to Mandarin, texting abbreviations to words, so the
cues (written in simplified Mandarin and plain English) read them all.

The character table covers the characters the cues and the promise terms are made of (and
the common words around them); a character missing from it is left as written.
"""

from __future__ import annotations

import re
from typing import Final

_TRADITIONAL: Final = (
    "還还錢钱幫帮電电話话別别號号碼码訴诉舉举報报錯错認认識识貸贷帳账賬账單单額额數数對对誤误經经"
    "轉转過过結结個个會会給给時时間间來来約约門门訪访見见週周禮礼幾几點点寬宽遲迟後后緩缓謝谢訂订"
    "麼么為为這这們们嗎吗剛刚進进應应員员態态惡恶罵骂騷骚擾扰脅胁騙骗媽妈爺爷婦妇親亲鄰邻離离職职"
    "國国醫医現现沒没無无說说請请讓让問问題题總总違违處处發发準准確确實实難难頭头緊紧筆笔計计劃划"
    "氣气煩烦聯联繫系務务臺台業业費费開开關关閉闭體体廣广戶户錄录紀纪證证據据憑凭顯显兒儿孫孙兩两"
    "萬万億亿塊块貳贰參叁陸陆傳传馬马視视頻频線线網网機机餘余於于與与從从絕绝爭争盡尽願愿聽听該该"
    "讀读閱阅盜盗詐诈異异議议協协監监銀银險险鬧闹聲声專专導导領领負负責责師师聞闻訟讼規规範范驚惊"
    "嚇吓兇凶糾纠紛纷賠赔償偿債债權权護护隱隐斷断換换調调內内歷历鐘钟雙双順顺帶带種种樣样麗丽歡欢"
    "東东車车長长門门們们當当歲岁邊边誰谁裡里裏里麵面買买賣卖價价錯错鎖锁戲戏聽听給给請请託托拖拖"
    "壞坏況况務务辦办簽签審审核核處处罰罚滯滞納纳違违約约擔担憂忧慮虑傷伤病病災灾禍祸難难窮穷資资"
    "薪薪發发晚晚週周禮礼拜拜號号歸归還还剩剩額额餘余筆笔項项戶户頭头碼码帳账賬账計计劃划層层級级"
    "騷骚擾扰煩烦罵骂嚇吓嗎吗呢呢啊啊吧吧喔喔囉啰噢噢謝谢謝谢收收悉悉暸了瞭了"
)
#: Traditional to simplified, character by character.
TRADITIONAL: Final = str.maketrans(dict(zip(_TRADITIONAL[::2], _TRADITIONAL[1::2], strict=True)))
#: Cantonese and colloquial words, and what they are in Mandarin (longest first).
_COLLOQUIAL: Final = (
    *(
        ("关係", "关系"),
        ("唔系", "不是"),
        ("唔好", "不要"),
        ("唔該", "谢谢"),
        ("唔该", "谢谢"),
        ("點解", "为什么"),
        ("点解", "为什么"),
    ),
    *(("邊個", "谁"), ("边个", "谁"), ("乜嘢", "什么"), ("木有", "没有"), ("肿么", "怎么")),
    *(("神马", "什么"), ("酱紫", "这样"), ("冇", "没有"), ("唔", "不"), ("佢", "他"), ("咗", "了")),
    *(("嘅", "的"), ("畀", "给"), ("俾", "给"), ("喺", "在"), ("咁", "这么"), ("乜", "什么")),
    *(("琴日", "昨天"), ("尋日", "昨天"), ("寻日", "昨天"), ("聽日", "明天"), ("听日", "明天")),
    *(("哋", "们"), ("啲", "些"), ("嚟", "来")),
    *(("咩", "什么"), ("攞", "拿"), ("俺", "我"), ("咋", "怎么"), ("啥", "什么"), ("係", "是")),
)
#: Texting abbreviations, as whole words.
_ABBREVIATIONS: Final = tuple(
    (re.compile(rf"\b(?:{short})\b"), word)
    for short, word in (
        ("tmrw|tmr|tmrow|tmrrw|2moro|2morrow|tomoz", "tomorrow"),
        ("nxt", "next"),
        ("wk|wks", "week"),
        ("mth|mnth|mths", "month"),
        ("b4", "before"),
        ("wanna", "want to"),
        ("pymt|pmt|paymt", "payment"),
        ("acct|acc", "account"),
        ("amt", "amount"),
        ("bal", "balance"),
        ("msg|msgs", "message"),
        ("r", "are"),
        ("plz|pls", "please"),
        ("u", "you"),
        ("ur", "your"),
        ("thx|thnx|thks|tks", "thanks"),
    )
)


def plain(text: str) -> str:
    """``text`` (lower-cased) in simplified Mandarin and plain English words."""
    text = text.translate(TRADITIONAL)
    for word, mandarin in _COLLOQUIAL:
        text = text.replace(word, mandarin)
    for short, word in _ABBREVIATIONS:
        text = short.sub(word, text)
    return text
