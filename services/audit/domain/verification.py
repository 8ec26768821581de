"""Verification codes: what the log registers for a sent message and what the public page says."""

from __future__ import annotations

from typing import Any

from services.audit.domain.entries import NewEntry
from services.audit.domain.rows import CodeRow


def code_row(entry: NewEntry, index: int) -> CodeRow | None:
    """The code a sent message carries, registered with its leaf (None for other entries)."""
    if entry.notice is None:
        return None
    notice = entry.notice
    return CodeRow(notice.code, index, entry.occurred_at, notice.channel, notice.account_masked)


def public_answer(row: CodeRow | None, institution: str, hotline: str) -> dict[str, Any]:
    """What the verification page may reveal: date, channel, institution, masked account; and
    always the bank's official hotline, so that a borrower with an unknown code can call it."""
    if row is None:
        return {"genuine": False, "hotline": hotline}
    return {
        "genuine": True,
        "sent_on": row.sent_at.date().isoformat(),
        "channel": row.channel,
        "institution": institution,
        "account_masked": row.account_masked,
        "hotline": hotline,
    }
