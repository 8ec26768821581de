"""A case's evidence as the console shows it (pure): the audit service's entries for one loan,
newest first, each with what happened, when (in the bank's zone), and whether the log found it
intact."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.errors import RetryableError


class EvidenceUnavailable(RetryableError):
    """The evidence log did not answer, or would not take the desk's grant (HTTP 503)."""


def _local(stamp: Any, zone: ZoneInfo) -> str:
    if not isinstance(stamp, str):
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return ""


def _who(content: Any) -> str:
    """The person or system an entry names (an agent's id; the topic otherwise)."""
    if not isinstance(content, dict):
        return ""
    for key in ("agent_id", "decided_by", "recorded_by", "by"):
        value = content.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def what(kind: Any) -> str:
    """An entry's kind without the house prefix and version: ``dunwell.reply.received.v1``
    is ``reply.received`` (the console's vocabulary ``evidence_kind``)."""
    text = str(kind or "")
    text = text.removeprefix("dunwell.")
    head, _, version = text.rpartition(".")
    return head if head and version[:1] == "v" and version[1:].isdigit() else text


def _words(content: Any) -> str:
    """A borrower's reply's own words, where the entry is one (for the person who reads it)."""
    value = content.get("text") if isinstance(content, dict) else None
    return value if isinstance(value, str) else ""


def _detail(content: Any) -> str:
    """An interaction's own kind (sent, delivered, blocked, ...), where the entry has one."""
    value = content.get("kind") if isinstance(content, dict) else None
    return value if isinstance(value, str) else ""


def evidence_rows(entries: list[dict[str, Any]], zone: ZoneInfo) -> list[dict[str, Any]]:
    """One row per entry, the newest first: index, what, detail, a reply's words, local time,
    who, state."""
    rows = [
        {
            "index": entry.get("index"),
            "what": what(entry.get("kind")),
            "detail": _detail(entry.get("content")),
            "words": _words(entry.get("content")),
            "at": _local(entry.get("occurred_at") or entry.get("recorded_at"), zone),
            "who": _who(entry.get("content")),
            "state": "tampered"
            if entry.get("tampered")
            else "erased"
            if entry.get("erased")
            else "intact",
        }
        for entry in entries
    ]
    return sorted(
        rows, key=lambda r: r["index"] if isinstance(r["index"], int) else -1, reverse=True
    )
