"""Send keys, verification codes, contact-point ids and what the gate is asked."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifier.domain.model import DirectoryEntry, GateFacts
from services.notifier.domain.sends import (
    contact_point_id,
    gate_scenario,
    send_key,
    verification_code,
)
from services.notifier.domain.templates import Locale
from shared.testing.factories import contact_request
from tests.unit.notifier.domain.test_templates import BANK, REGISTRY


class TestVerificationCode:
    def test_is_stable_for_a_request_and_channel(self) -> None:
        assert verification_code(b"k", "req-1", "email") == verification_code(
            b"k", "req-1", "email"
        )

    def test_differs_by_request_channel_and_key(self) -> None:
        codes = {
            verification_code(b"k", "req-1", "email"),
            verification_code(b"k", "req-2", "email"),
            verification_code(b"k", "req-1", "sms"),
            verification_code(b"other", "req-1", "email"),
        }
        assert len(codes) == 4
        assert all(len(code) == 8 and code.isalnum() for code in codes)


def test_send_key_is_one_per_request_and_channel() -> None:
    assert send_key("req-1", "sms") != send_key("req-1", "email")


def test_contact_point_id_hides_the_address_and_ignores_case() -> None:
    one = contact_point_id("email", "Li.Wei@borrower.example")
    assert one == contact_point_id("email", "li.wei@borrower.example ")
    assert "borrower" not in one
    assert len(one) == 32


class TestGateScenario:
    """What the gate is asked to find in the text follows the message's own locale."""

    def _expected(self, locale: Locale) -> dict[str, str]:
        request = contact_request(channels=("sms",))
        message = REGISTRY.render(request, "sms", locale, BANK, "ABCD2345")
        entry = DirectoryEntry(debtor_id=request.debtor_id, mobile="+8613800000001", locale=locale)
        scenario = gate_scenario(
            request,
            "sms",
            entry,
            GateFacts(history=[], opt_outs=[]),
            message,
            institution=BANK,
            code="ABCD2345",
            now=datetime(2026, 3, 4, 4, 0, tzinfo=UTC),
        )
        assert scenario.text == message.body
        return scenario.expected

    def test_a_chinese_message_names_the_chinese_bank_and_a_chinese_date(self) -> None:
        assert self._expected("zh-CN") == {
            "institution": "澄河示范银行",
            "account_masked": "5678",
            "amount_due": "1,234.50",
            "pay_by": "3月11日",
            "verification_code": "ABCD2345",
        }

    def test_an_english_message_names_the_english_bank_and_an_iso_date(self) -> None:
        expected = self._expected("en")
        assert (expected["institution"], expected["pay_by"]) == ("Chenghe Demo Bank", "2026-03-11")
