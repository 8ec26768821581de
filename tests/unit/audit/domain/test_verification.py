"""Verification codes: registered for sent messages; the public page says little."""

from __future__ import annotations

from datetime import UTC, datetime

from services.audit.domain.rows import CodeRow
from services.audit.domain.verification import public_answer


def test_the_public_answer_says_only_date_channel_institution_and_masked_account() -> None:
    row = CodeRow("ABCD2345", 3, datetime(2026, 3, 4, 9, 30, tzinfo=UTC), "sms", "****5678")
    assert public_answer(row, "澄河示范银行", "400-000-0000") == {
        "genuine": True,
        "sent_on": "2026-03-04",
        "channel": "sms",
        "institution": "澄河示范银行",
        "account_masked": "****5678",
        "hotline": "400-000-0000",
    }
    assert public_answer(None, "澄河示范银行", "400-000-0000") == {
        "genuine": False,
        "hotline": "400-000-0000",
    }
