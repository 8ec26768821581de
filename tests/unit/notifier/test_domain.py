"""What every collection email must say, and its verification code."""

from __future__ import annotations

import pytest

from services.notifier.domain import (
    ContactPoint,
    Institution,
    NoContactPoint,
    email_address,
    render_email,
    verification_code,
)
from shared.testing.factories import contact_request

BANK = Institution(
    name="Example Bank",
    payment_instructions="the bank's app",
    complaint_channel="hotline 95500",
    privacy_notice_url="https://bank.example/privacy",
    verification_url="https://bank.example/verify",
    official_hotline="95500",
)


class TestRenderEmail:
    def test_the_notice_carries_every_required_element(self) -> None:
        request = contact_request()
        message = render_email(request, BANK, "ABCD2345")
        text = message.subject + "\n" + message.body
        for required in (
            "Example Bank",  # institution
            "****5678",  # masked account
            "CNY 1,234.50",  # amount due
            "3 day(s) overdue",  # days overdue
            "2026-03-01",  # due date
            "2026-03-11",  # deadline
            "the bank's app",  # how to pay
            "hotline 95500",  # complaint channel
            "https://bank.example/privacy",  # privacy notice
            "https://bank.example/verify code ABCD2345",  # verification line
        ):
            assert required in text, required

    def test_the_full_account_number_never_appears(self) -> None:
        message = render_email(contact_request(), BANK, "ABCD2345")
        assert "6222020012345678" not in message.subject + message.body


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


def test_no_email_on_file_means_no_contact_point() -> None:
    with pytest.raises(NoContactPoint):
        email_address(ContactPoint("d1", email=None, mobile=None, locale="en", timezone="UTC"))
    with pytest.raises(NoContactPoint):
        email_address(None)
