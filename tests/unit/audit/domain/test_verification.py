"""Verification codes: registered for sent messages; the public page says little."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.audit.domain.entries import entry_for_event
from services.audit.domain.rows import CodeRow, CodeStatus
from services.audit.domain.verification import current, public_answer
from tests.support.audit import interaction


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


AT = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)


def state(index: int, status: CodeStatus) -> CodeRow:
    return CodeRow("ABCD2345", index, AT, "sms", "****5678", status)


class TestAPossiblySentCode:
    def test_it_may_be_genuine_and_the_borrower_is_told_to_call(self) -> None:
        answer = public_answer(state(1, "possibly_sent"), "澄河示范银行", "400-000-0000")
        assert answer["genuine"] is False
        assert answer["possibly_sent"] is True
        assert (answer["sent_on"], answer["hotline"]) == ("2026-03-04", "400-000-0000")

    def test_found_not_sent_later_it_is_unknown(self) -> None:
        row = current([state(1, "possibly_sent"), state(7, "not_sent")])
        assert public_answer(row, "澄河示范银行", "400-000-0000") == {
            "genuine": False,
            "hotline": "400-000-0000",
        }

    def test_confirmed_later_it_is_genuine_whatever_the_order_of_states(self) -> None:
        assert current([state(1, "possibly_sent"), state(4, "sent")]) == state(4, "sent")
        assert current([state(4, "sent"), state(9, "not_sent")]) == state(4, "sent")
        assert current([]) is None


class TestWhatRegistersACode:
    @pytest.mark.parametrize(
        ("kind", "status"),
        [
            ("message_sent", "sent"),
            ("send_uncertain", "possibly_sent"),
            ("send_not_sent", "not_sent"),
        ],
    )
    def test_a_send_and_what_became_of_it(self, kind: str, status: CodeStatus) -> None:
        event = interaction(kind=kind, verification_code="ABCD2345")
        entry = entry_for_event(event, topic="t", raw=b"{}")
        assert entry.notice is not None
        assert (entry.notice.code, entry.notice.status) == ("ABCD2345", status)

    def test_other_interactions_and_codeless_ones_register_nothing(self) -> None:
        for event in (
            interaction(kind="send_failed", verification_code="ABCD2345"),
            interaction(kind="send_uncertain", verification_code=None),
        ):
            assert entry_for_event(event, topic="t", raw=b"{}").notice is None
