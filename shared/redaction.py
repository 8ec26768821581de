"""Masking of personal data: phone numbers, emails, account numbers, names.

Used by logging (nothing personal may reach a log line) and by message rendering (a message
shows only what the debtor needs: the last four digits of an account).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

REDACTED: Final = "[redacted]"

#: Field names whose values are personal data whatever they look like.
SENSITIVE_KEYS: Final = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "debtor_name",
        "email",
        "mobile",
        "phone",
        "phone_number",
        "to",
        "recipient",
        "address",
        "account_number",
        "account",
        "openid",
        "id_number",
        "text",
        "body",
    }
)

_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# E.164 numbers and mainland China mobiles (11 digits starting 1[3-9]), with common separators.
_PHONE: Final = re.compile(r"(?<![\w])(?:\+\d[\d \-]{6,16}\d|1[3-9]\d{9})(?![\w])")
# Bank account / card numbers: 10 or more digits in a row.
_ACCOUNT: Final = re.compile(r"(?<!\d)\d{10,34}(?!\d)")


def redact_text(text: str) -> str:
    """Replace emails, phone numbers and long digit runs in free text.

    :param text: any text that may reach a log line or a metric label.
    """
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    return _ACCOUNT.sub(REDACTED, text)


def redact_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Redact a mapping of structured log fields: sensitive keys wholly, other strings by pattern.

    :param fields: the log record's fields.
    """
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key.lower() in SENSITIVE_KEYS and value is not None:
            clean[key] = REDACTED
        elif isinstance(value, str):
            clean[key] = redact_text(value)
        elif isinstance(value, Mapping):
            clean[key] = redact_fields(value)
        else:
            clean[key] = value
    return clean


def mask_account(account_number: str) -> str:
    """The form of an account number a debtor sees: ``****`` and the last four digits.

    :param account_number: the full account number (digits).
    """
    digits = "".join(ch for ch in account_number if ch.isdigit())
    return "****" + digits[-4:].rjust(4, "0")
