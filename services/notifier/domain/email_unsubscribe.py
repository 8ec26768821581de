"""One-click unsubscribe links (RFC 8058), pure: signed, expiring tokens and the list headers.

A token names the debtor, the channel it opts out of and the page's locale, never an address:
``v1.<payload>.<mac>``, the payload base64url JSON, the MAC HMAC-SHA256 over ``v1.<payload>``
with the newest key. Every configured key is tried when reading, so a rotated key's links keep
working until they expire.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, get_args

from services.notifier.domain.institution import Locale
from shared.eventbase import Channel

VERSION: Final = "v1"
#: The one-click form body RFC 8058 section 3.1 has mail clients POST.
ONE_CLICK: Final = "List-Unsubscribe=One-Click"
_LOCALES: Final = frozenset(get_args(Locale))
_CHANNELS: Final = frozenset(get_args(Channel))
_LONGEST: Final = 1024


class TokenRefused(Exception):
    """Not a link Dunwell signed, or one past its expiry: ``status`` and ``why`` for the 4xx."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status, self.why = status, why


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid token asks: stop ``channel`` for ``debtor_id``."""

    debtor_id: str
    channel: Channel
    locale: Locale
    expires: datetime

    @property
    def dedupe(self) -> str:
        """One opt-out per debtor, channel and link: replays and repeats are taken once."""
        return f"{self.debtor_id}:{self.channel}:{int(self.expires.timestamp())}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def sign(keys: Sequence[bytes], ask: Unsubscribe) -> str:
    """The token for ``ask``, signed with the newest key (the first)."""
    payload = {
        "d": ask.debtor_id,
        "c": ask.channel,
        "l": ask.locale,
        "x": int(ask.expires.timestamp()),
    }
    signed = f"{VERSION}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{signed}.{_mac(keys[0], signed)}"


def read(keys: Sequence[bytes], token: str, now: datetime) -> Unsubscribe:
    """What ``token`` asks, if one of ``keys`` signed it and it has not expired.

    Raises :class:`TokenRefused`: 400 unreadable, 403 not ours, 410 expired.
    """
    parts = token.split(".")
    if len(token) > _LONGEST or len(parts) != 3 or parts[0] != VERSION:
        raise TokenRefused(400, "not an unsubscribe link")
    signed = f"{parts[0]}.{parts[1]}"
    if not any(hmac.compare_digest(_mac(key, signed), parts[2]) for key in keys):
        raise TokenRefused(403, "the link's signature does not hold")
    ask = _payload(parts[1])
    if ask.expires <= now:
        raise TokenRefused(410, "the link has expired; reply 退订 / UNSUBSCRIBE instead")
    return ask


def _payload(text: str) -> Unsubscribe:
    try:
        body = json.loads(_unb64(text))
        debtor, channel, locale = str(body["d"]), body["c"], body["l"]
        expires = datetime.fromtimestamp(int(body["x"]), UTC)
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError) as e:
        raise TokenRefused(400, "not an unsubscribe link") from e
    if channel not in _CHANNELS or locale not in _LOCALES or not debtor:
        raise TokenRefused(400, "not an unsubscribe link")
    return Unsubscribe(debtor, channel, locale, expires)


@dataclass(frozen=True)
class UnsubscribeLinks:
    """How the notifier's emails offer unsubscribing: the keys, its public URL and the reply
    address for the ``mailto:`` alternative."""

    keys: tuple[bytes, ...]
    base_url: str
    mailto: str
    ttl: timedelta

    def url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/v1/email/unsubscribe/{token}"

    def headers(self, debtor_id: str, locale: Locale, now: datetime) -> tuple[tuple[str, str], ...]:
        """``List-Unsubscribe`` (the HTTPS link first, then the mailto) and
        ``List-Unsubscribe-Post``, as RFC 8058 section 3.1 has them."""
        token = sign(self.keys, Unsubscribe(debtor_id, "email", locale, now + self.ttl))
        mailto = f"mailto:{self.mailto}?subject=unsubscribe"
        return (
            ("List-Unsubscribe", f"<{self.url(token)}>, <{mailto}>"),
            ("List-Unsubscribe-Post", ONE_CLICK),
        )
