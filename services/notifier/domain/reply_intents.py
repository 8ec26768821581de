"""What a reply asks for, beyond an opt-out (pure), and why it was read so.

The bank's order: stop calling, complaint, wrong party, dispute come first, in that order (the
first with a cue wins: a dispute is never lost behind a promise in the same reply). Then the
requests about paying (already paid, reschedule, instalment, extension, promise) compete: the
weightiest un-negated cue wins, the earlier intent on a tie. A reply with no cue is an
acknowledgement when it says nothing but "收到", "好的", "thanks" and the like; else the
corpus's model (:mod:`~services.notifier.domain.reply_model`) may read it as an intent that
opens a person's task, when it is sure and the reply is no question asking for information;
else it is ``other`` (a person reads it).
Every reading names what decided it: a cue's name, "acknowledgement", "model" or "no cue".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from services.notifier.domain.reply_cues import (
    COMPLAINT,
    DISPUTE,
    OPT_OUT,
    STOP_CALLING,
    WRONG_PARTY,
)
from services.notifier.domain.reply_lexicon import NEGATION, Cue, readable
from services.notifier.domain.reply_model import Model, shipped
from services.notifier.domain.reply_requests import REQUESTS
from shared.events import ReplyIntent

__all__ = ["FIRST", "REQUESTS", "Reading", "intent_of", "read", "readable"]

#: The intents that come first, in the bank's order.
FIRST: Final[tuple[Cue, ...]] = (*OPT_OUT, *STOP_CALLING, *COMPLAINT, *WRONG_PARTY, *DISPUTE)
#: A negation's reach: the same clause, this many characters back.
_NEGATION_REACH: Final = 20
_CLAUSE_END: Final = re.compile(r"[,。.!?;:]")
#: Words that only acknowledge ("收到", "好的", "ok thanks", 👍), with the polite ones around.
_ACKNOWLEDGING: Final = re.compile(
    r"(?:收到|收到了|好的|好滴|好嘞|好|嗯|嗯嗯|哦|噢|喔|知道了|知道|了解|了解了|明白|明白了|清楚|清楚了"
    r"|没关系|谢谢|谢了|多谢|感谢|谢谢提醒|感谢提醒|谢谢您|谢谢你|行|行的|可以|没问题|已阅|已读|看到了|好的呢|呢|啦|了"
    r"|ok|okay|k|kk|noted|got it|thanks|thank you|thankyou|thx|ty|understood|sure|alright|all right"
    r"|fine|cool|roger|will do|great|yes|yep|yeah|cheers|received|i see|see|message received"
    r"|[👍👌🙏😊🙂☺✅]|\ufe0f|[\s,.。!~、])+"
)


#: A question asking for information (what, how, where, 怎么, 哪, 多少; not "why", which is
#: often a dispute): no cue spoke, so it is for a person, never the model's guess.
_ASKS: Final = re.compile(
    r"^(?:what|how|where|when|who|which)\b|\b(?:what|how|where|when|who|which)\b.*\?"
    r"|请问|怎么|如何|哪|(?<!为)什么|多少|几点"
)


@dataclass(frozen=True)
class Reading:
    """An intent and what decided it: a cue's name, "acknowledgement" or "no cue"."""

    intent: ReplyIntent
    by: str


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _NEGATION_REACH) : start]
    clause = _CLAUSE_END.split(before)[-1]
    return NEGATION.search(clause) is not None


def _counts(cue: Cue, text: str) -> bool:
    if cue.unless is not None and cue.unless.search(text):
        return False
    return any(
        not cue.negatable or not _negated(text, match.start())
        for match in cue.pattern.finditer(text)
    )


def read(text: str, model: Model | None = None) -> Reading:
    """The intent of a reply (as :func:`readable` gives it) that is not an opt-out; ``model``
    the second opinion (default: the shipped corpus's)."""
    for cue in FIRST:
        if _counts(cue, text):
            return Reading(cue.intent, cue.name)
    found = [cue for cue in REQUESTS if _counts(cue, text)]
    if found:
        best = max(found, key=lambda c: c.weight)  # the first of the weightiest
        return Reading(best.intent, best.name)
    if text and _ACKNOWLEDGING.fullmatch(text):
        return Reading("acknowledgement", "acknowledgement")
    opinion = None if _ASKS.search(text) else (model or shipped()).opinion(text)
    if opinion is not None:
        return Reading(opinion[0], "model")
    return Reading("other", "no cue")


def intent_of(text: str) -> ReplyIntent:
    """The intent alone."""
    return read(text).intent
