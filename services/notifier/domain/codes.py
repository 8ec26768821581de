"""Verification codes that never spell a word a collection message must not carry.

A code is eight characters of the RFC 4648 base32 alphabet (A-Z, 2-7) cut from an HMAC of the
send's ledger key. Cut at random, one code in about 200,000 spells JAIL somewhere, and the
content rules (which read the whole text, code included) then block the message for good: a
send lost to chance. One in about 5,500 would spell FBI, banned in the ``us`` pack. So the
code is the first eight-character window of the digest's base32 that spells none of
:data:`AVOIDED`, read also with the digits as the letters they resemble (J4IL).

The first window is the code every earlier version gave, so codes already sent stay the
same and still verify, except where the first window spells a word. Those messages were
blocked by the packs (every word they ban is here) or, for the rest (words no pack bans, and
digits read as letters), went out with the first window: Twilio's reconcile looks for either
code, and a receipt that settles such a send made before this version records today's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

#: The code's length: the packs' required-element pattern reads eight base32 characters.
LENGTH = 8

#: Words a code must not spell: every banned Latin term of the shipped packs short enough to
#: fit (a test keeps the list complete) and a few words no bank would print. Kept short: each
#: word changes the code of the sends whose first window spells it.
AVOIDED: frozenset[str] = frozenset(
    {
        # the packs' banned terms (cn.yaml, us.yaml)
        "ARREST", "DEADBEAT", "DEPORT", "DISCOUNT", "FBI", "GARNISH", "JAIL", "LIAR",
        "POLICE", "PRISON", "SHERIFF", "THIEF",
        # insults, threats and obscenities
        "BITCH", "CUNT", "DICK", "FRAUD", "FUCK", "IDIOT", "KILL", "LOSER", "NAZI", "PISS",
        "RAPE", "SCAM", "SHIT", "SLUT", "TWAT", "WANK", "WHORE",
    }
)  # fmt: skip

#: Digits read as the letters they look like (base32 has no 0, 1, 8 or 9).
_AS_LETTERS = str.maketrans({"2": "Z", "3": "E", "4": "A", "5": "S", "6": "G", "7": "T"})


def spells_avoided(code: str) -> bool:
    """Whether ``code`` spells one of :data:`AVOIDED`, as written or with its digits as letters."""
    upper = code.upper()
    read = upper.translate(_AS_LETTERS)
    return any(word in upper or word in read for word in AVOIDED)


def clean_code(secret: bytes, key: str) -> str:
    """The first window of the key's digest that spells no avoided word (almost always the
    first); past every window of one digest, the windows of the key's next digest."""
    for attempt in range(64):
        for window in _windows(secret, key if attempt == 0 else f"{key}|{attempt}"):
            if not spells_avoided(window):
                return window
    raise AssertionError("no clean verification code in 64 digests")  # pragma: no cover


def first_window(secret: bytes, key: str) -> str:
    """The code earlier versions gave the send: the digest's first eight characters."""
    return _windows(secret, key)[0]


def _windows(secret: bytes, message: str) -> list[str]:
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode().rstrip("=")  # 52 characters: six windows
    return [text[i : i + LENGTH] for i in range(0, len(text) - LENGTH + 1, LENGTH)]
