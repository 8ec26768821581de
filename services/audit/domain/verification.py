"""Verification codes: what the log registers for a sent message and what the public page says."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.audit.domain.entries import NewEntry
from services.audit.domain.rows import CodeRow


def code_row(entry: NewEntry, index: int) -> CodeRow | None:
    """The code a sent message carries, registered with its leaf (None for other entries)."""
    if entry.notice is None:
        return None
    notice = entry.notice
    return CodeRow(
        notice.code,
        index,
        entry.occurred_at,
        notice.channel,
        notice.account_masked,
        notice.status,
    )


def current(rows: Sequence[CodeRow]) -> CodeRow | None:
    """What a code stands for now: sent once the provider took it, whatever came before or
    after; otherwise the latest state recorded (possibly sent, then perhaps not sent)."""
    sent = [r for r in rows if r.status == "sent"]
    if sent:
        return min(sent, key=lambda r: r.leaf_index)
    return max(rows, key=lambda r: r.leaf_index, default=None)


def public_answer(row: CodeRow | None, institution: str, hotline: str) -> dict[str, Any]:
    """What the verification page may reveal: date, channel, institution, masked account; and
    always the bank's official hotline, so that a borrower with an unknown code can call it.

    A possibly sent message is neither confirmed nor denied: the bank tried to send it and
    could not confirm it went, so the borrower is told it may be genuine and to call.
    """
    if row is None or row.status == "not_sent":
        return {"genuine": False, "hotline": hotline}
    answer = {
        "genuine": row.status == "sent",
        "sent_on": row.sent_at.date().isoformat(),
        "channel": row.channel,
        "institution": institution,
        "account_masked": row.account_masked,
        "hotline": hotline,
    }
    if row.status == "possibly_sent":
        answer["possibly_sent"] = True
    return answer
