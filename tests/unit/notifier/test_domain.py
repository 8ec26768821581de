"""Send keys, verification codes and contact-point ids."""

from __future__ import annotations

from services.notifier.domain import contact_point_id, send_key, verification_code


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
