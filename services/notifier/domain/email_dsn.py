"""Delivery status notifications (RFC 3464), pure: what a bounce says about one of our sends.

A DSN is ``multipart/report; report-type=delivery-status`` with a ``message/delivery-status``
part (a per-message block, then one block per recipient: ``Final-Recipient``, ``Action``,
``Status``) and, usually, the original message or its headers, whose ``Message-ID`` and
``X-Dunwell-Send`` name our send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from email.utils import parseaddr
from typing import Final, Literal

#: The header carrying the send's ledger key (no personal data: request id and channel), so a
#: bounce quoting the original headers finds the send even without its Message-ID.
SEND_KEY_HEADER: Final = "X-Dunwell-Send"
_STATUS: Final = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
_ORIGINAL: Final = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")

Verdict = Literal["undeliverable", "delayed", "other"]


@dataclass(frozen=True)
class DeliveryReport:
    """What a DSN reports for its recipient (the worst, if it lists several)."""

    action: str
    #: The RFC 3463 status code, such as ``5.1.1``.
    status: str
    #: The recipient's address, as the reporting MTA gives it (for the directory, never logged).
    recipient: str
    #: The original message's Message-ID, if quoted.
    message_id: str | None
    #: Our ledger key from ``X-Dunwell-Send``, if quoted.
    send_key: str | None

    @property
    def verdict(self) -> Verdict:
        """``failed`` with a permanent (5.x.x) status: the address does not take mail."""
        if self.action == "failed" and self.status.startswith("5."):
            return "undeliverable"
        if self.action == "delayed" or self.status.startswith("4."):
            return "delayed"
        return "other"


def is_report(message: Message) -> bool:
    """Whether ``message`` is a delivery status notification."""
    return (
        message.get_content_type() == "multipart/report"
        and (message.get_param("report-type") or "") == "delivery-status"
    )


def read_report(message: Message) -> DeliveryReport | None:
    """The report in a DSN; None when it has no recipient block with an action and status."""
    blocks, original = _parts(message)
    recipients = [b for b in blocks if b.get("Action") and b.get("Status")]
    if not recipients:
        return None
    worst = min(recipients, key=_severity)
    message_id = original.get("Message-ID") if original is not None else None
    key = original.get(SEND_KEY_HEADER) if original is not None else None
    return DeliveryReport(
        action=str(worst["Action"]).strip().lower(),
        status=_status(str(worst["Status"])),
        recipient=_address(worst.get("Original-Recipient") or worst.get("Final-Recipient")),
        message_id=str(message_id).strip() if message_id else None,
        send_key=str(key).strip() if key else None,
    )


def _parts(message: Message) -> tuple[list[Message], Message | None]:
    blocks: list[Message] = []
    original: Message | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            blocks.extend(p for p in part.get_payload() if isinstance(p, Message))
        elif kind in _ORIGINAL and original is None:
            original = _original(part)
    return blocks, original


def _original(part: Message) -> Message | None:
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], Message) else None
    text = part.get_payload(decode=True)
    if not isinstance(text, bytes):
        return None
    return HeaderParser().parsestr(text.decode("utf-8", errors="replace"))


def _status(text: str) -> str:
    code = text.strip().split()[0] if text.strip() else ""
    return code if _STATUS.match(code) else "0.0.0"


def _severity(block: Message) -> int:
    """Failed and permanent first: the block that decides what becomes of the address."""
    status = _status(str(block["Status"]))
    failed = str(block["Action"]).strip().lower() == "failed"
    return (0 if failed else 2) + (0 if status.startswith("5.") else 1)


def _address(field: object) -> str:
    """``rfc822; someone@example.com`` as the bare address, lower-cased."""
    text = str(field or "")
    _, _, value = text.partition(";")
    return parseaddr(value.strip() or text)[1].strip().lower()
