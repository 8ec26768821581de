"""What a WeChat message sends, and what the borrower reads of it (pure).

WeChat shows its own approved copy (the template on WeChat's side) with the fields we send
filled in: nothing else reaches the borrower. So the copy kept here is rendered with the sent
fields only (a copy naming any other value cannot render), the gate judges that text, and the
evidence's hash covers exactly the fields sent. A subscribe message's fields are typed by
their key (``thing1``, ``amount2``, ...) and WeChat refuses values past each type's limits:
such a value is refused here, before the gate, with which field and why.

Limits: WeChat's subscribe-message documentation, "订阅消息参数值内容限制说明" (thing 20
characters; number, letter and character_string 32; symbol 5; phrase 5 Chinese characters;
name 10 Chinese or 20 letters; phone_number 17; car_number 8; amount one currency sign and at
most 10 digits, a decimal part and a closing 元; time and date as 2019年10月1日 15:01).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Final, Literal

WeChatMessage = Literal["template", "subscribe"]
#: The provider-code key of each message type's approved copy in the template registry.
CODE_KEY: Final[Mapping[WeChatMessage, str]] = {
    "template": "wechat",
    "subscribe": "wechat_subscribe",
}

_HAN = r"\u4e00-\u9fff"
_DATE = r"(\d{4}年)?\d{1,2}月(\d{1,2}日)?|\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_MOMENT = rf"(({_DATE})\s?)?{_CLOCK}|({_DATE})(\s?{_CLOCK})?"
#: Each subscribe-message field type: the pattern a value must match, and what it allows.
SUBSCRIBE_TYPES: Final[Mapping[str, tuple[str, str]]] = {
    "thing": (r".{1,20}", "at most 20 characters"),
    "number": (r"\d{1,32}(\.\d+)?", "at most 32 digits"),
    "letter": (r"[A-Za-z]{1,32}", "at most 32 letters"),
    "symbol": (r"[^\w\s]{1,5}", "at most 5 symbols"),
    "character_string": (r"[\x21-\x7e]{1,32}", "at most 32 digits, letters or symbols"),
    "time": (rf"({_MOMENT})(~({_MOMENT}))?", "a time such as 2019年10月1日 15:01"),
    "date": (rf"({_MOMENT})(~({_MOMENT}))?", "a date such as 2019年10月1日"),
    "amount": (r"[¥￥$€£]?\d{1,10}(\.\d+)?元?", "a currency sign and at most 10 digits"),
    "phone_number": (r"[\d+\-() ]{1,17}", "at most 17 digits or symbols"),
    "car_number": (r".{1,8}", "at most 8 characters"),
    "name": (rf"[{_HAN}]{{1,10}}|[A-Za-z .·'-]{{1,20}}", "10 Chinese characters or 20 letters"),
    "phrase": (rf"[{_HAN}]{{1,5}}", "at most 5 Chinese characters"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FieldRefused(ValueError):
    """A value WeChat would refuse for its field."""


def field_type(key: str) -> str:
    """``thing1`` -> ``thing``, ``character_string12`` -> ``character_string``."""
    return key.rstrip("0123456789")


def check_subscribe(fields: Mapping[str, str]) -> None:
    """Refuse a subscribe message whose field breaks its type's limits (raises FieldRefused)."""
    for key, value in fields.items():
        kind = SUBSCRIBE_TYPES.get(field_type(key))
        if kind is None:
            raise FieldRefused(f"{key}: not a subscribe-message field type")
        pattern, allowed = kind
        if _CONTROL.search(value) or not re.fullmatch(pattern, value):
            raise FieldRefused(f"{key}: {len(value)} characters, WeChat allows {allowed}")


def sent_fields(wanted: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    """Each WeChat field and the value it carries (``wanted`` names the value of each)."""
    return {key: values[name] for key, name in wanted.items()}


def content_digest(message: WeChatMessage, template_id: str, fields: Mapping[str, str]) -> str:
    """SHA-256 of exactly what goes to WeChat: the message type, template id and fields."""
    sent = {"message": message, "template_id": template_id, "data": dict(fields)}
    canonical = json.dumps(sent, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
