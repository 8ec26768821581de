"""Content checks on a rendered message, after normalisation.

Normalisation defeats the usual evasions: full-width forms and compatibility characters (NFKC),
zero-width and other invisible characters, spaces or punctuation between the characters of a
term, and homoglyphs (Cyrillic or Greek letters that look Latin, from the Unicode confusables
data). The text is matched both as written (for required elements, which must be legible) and as
normalised (for banned terms, which must not slip through).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import confusables

_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


@lru_cache(maxsize=4096)
def _latin_lookalike(char: str) -> str:
    if char.isascii() or unicodedata.category(char).startswith(("Lo", "N")):
        return char
    found = confusables.is_confusable(char, preferred_aliases=["latin", "common"], greedy=True)
    if not found:
        return char
    for glyph in found[0]["homoglyphs"]:
        if len(glyph["c"]) == 1 and glyph["c"].isascii() and glyph["c"].isalnum():
            return str(glyph["c"])
    return char


class _LookAlikes(dict[int, str]):
    """Each character's Latin look-alike, found once per character (``str.translate`` reads
    the characters seen before at C speed)."""

    def __missing__(self, code: int) -> str:
        found = _latin_lookalike(chr(code))
        if len(self) < _LOOK_ALIKES_KEPT:
            self[code] = found
        return found


#: Characters whose look-alike is kept (more than any text in the packs' scripts uses).
_LOOK_ALIKES_KEPT = 65_536


_LOOK_ALIKES = _LookAlikes()


def normalise(text: str) -> str:
    """The text as the checks read it: NFKC, no invisibles, Latin look-alikes, case-folded."""
    return normalise_legible(unicodedata.normalize("NFKC", text))


def normalise_legible(legible: str) -> str:
    """:func:`normalise` of a text already in NFKC (what the borrower reads)."""
    return _INVISIBLE.sub("", legible).translate(_LOOK_ALIKES).casefold()


def squeeze(text: str) -> str:
    """The normalised text with every space, punctuation mark and separator removed."""
    return squeeze_normalised(normalise(text))


def squeeze_normalised(folded: str) -> str:
    """:func:`squeeze` of a text already :func:`normalise`-d."""
    return _SEPARATORS.sub("", folded)


def contains_term(text: str, term: str) -> bool:
    """Whether ``term`` appears in ``text`` despite spacing, width, invisibles and homoglyphs."""
    wanted = squeeze(term)
    return bool(wanted) and wanted in squeeze(text)


def sms_segments(text: str) -> int:
    """How many SMS segments ``text`` takes: GSM 7-bit 160/153, otherwise UCS-2 70/67."""
    gsm = _GSM_BASIC.issuperset(text)
    single, multi = (160, 153) if gsm else (70, 67)
    length = len(text.encode("utf-16-le")) // 2 if not gsm else len(text)
    return 1 if length <= single else math.ceil(length / multi)


@dataclass(frozen=True)
class Finding:
    """One content problem: which element or category, and whether it escalates or blocks."""

    what: str
    escalate: bool = False
