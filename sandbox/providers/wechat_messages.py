"""What the sandbox's WeChat account shows a follower: the approved copy of the template the
message names, filled in with the fields it was sent (nothing else reaches the phone), and
the subscribe-message field limits WeChat enforces (errcode 47003 past them).

The sandbox's own code: the limits as WeChat's subscribe-message documentation lists them,
checked here independently of the notifier's.
"""

from __future__ import annotations

import re
from typing import Any

from jinja2 import TemplateError

from sandbox.providers.core import SandboxState

#: The registry's provider-code key of each message type's approved copy.
COPY_OF = {"template": ("wechat", "wechat"), "subscribe": ("wechat_subscribe", "wechat_subscribe")}
_LIMITS = {
    "thing": lambda v: len(v) <= 20,
    "phrase": lambda v: re.fullmatch(r"[\u4e00-\u9fff]{1,5}", v) is not None,
    "character_string": lambda v: re.fullmatch(r"[\x21-\x7e]{1,32}", v) is not None,
    "number": lambda v: re.fullmatch(r"\d{1,32}(\.\d+)?", v) is not None,
    "amount": lambda v: re.fullmatch(r"[¥￥$]?\d{1,10}(\.\d+)?元?", v) is not None,
    "phone_number": lambda v: re.fullmatch(r"[\d+\-() ]{1,17}", v) is not None,
    "date": lambda v: re.search(r"\d", v) is not None and len(v) <= 40,
    "time": lambda v: re.search(r"\d", v) is not None and len(v) <= 40,
}


def values_of(payload: dict[str, Any]) -> dict[str, str]:
    data = payload.get("data") or {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str((v or {}).get("value", "")) for k, v in data.items()}


def subscribe_refusal(fields: dict[str, str]) -> str | None:
    """Why WeChat would refuse these subscribe-message fields (47003), or None."""
    for key, value in fields.items():
        check = _LIMITS.get(key.rstrip("0123456789"))
        if check is None or not value or "\n" in value or not check(value):
            return f"argument invalid! data.{key}.value invalid"
    return None


def shown(
    state: SandboxState, kind: str, template_id: object, fields: dict[str, str]
) -> str | None:
    """The approved copy of ``template_id`` filled in with ``fields``; None when no approved
    template has that id, or the fields do not fill it."""
    code_key, text_field = COPY_OF[kind]
    registry = state.registry
    for name in registry.ids():
        template = registry.template(name)
        for locale, code in template.provider_codes.get(code_key, {}).items():
            if code != template_id:
                continue
            copy = getattr(template.texts[locale], text_field)
            try:
                return str(state.jinja.from_string(copy).render(fields)) if copy else None
            except TemplateError:
                return None
    return None
