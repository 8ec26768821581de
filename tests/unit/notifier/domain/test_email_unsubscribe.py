"""One-click unsubscribe tokens and headers (RFC 8058): signed, expiring, rotated, no address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifier.domain.email_unsubscribe import (
    ONE_CLICK,
    TokenRefused,
    Unsubscribe,
    UnsubscribeLinks,
    read,
    sign,
)

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
ASK = Unsubscribe("demo-D000003", "email", "zh-CN", NOW + timedelta(days=90))
OLD, NEW = b"old-key", b"new-key"


class TestTokens:
    def test_a_signed_token_reads_back_as_what_it_asks(self) -> None:
        assert read([NEW], sign([NEW], ASK), NOW) == ASK

    def test_a_token_signed_with_a_rotated_key_still_reads(self) -> None:
        token = sign([OLD], ASK)
        assert read([NEW, OLD], token, NOW) == ASK
        assert sign([NEW, OLD], ASK) != token  # the newest key signs

    def test_a_token_of_a_dropped_key_is_forbidden(self) -> None:
        with pytest.raises(TokenRefused) as refused:
            read([NEW], sign([OLD], ASK), NOW)
        assert refused.value.status == 403

    def test_an_expired_token_is_gone(self) -> None:
        with pytest.raises(TokenRefused) as refused:
            read([NEW], sign([NEW], ASK), ASK.expires)
        assert refused.value.status == 410
        assert "退订" in refused.value.why

    def test_a_changed_payload_breaks_the_signature(self) -> None:
        version, _, mac = sign([NEW], ASK).split(".")
        other = sign([NEW], Unsubscribe("someone-else", "email", "en", ASK.expires))
        forged = f"{version}.{other.split('.')[1]}.{mac}"
        with pytest.raises(TokenRefused) as refused:
            read([NEW], forged, NOW)
        assert refused.value.status == 403

    @pytest.mark.parametrize("token", ["", "v1", "v2.a.b", "v1.a.b.c", "x" * 2000])
    def test_garbage_is_unreadable(self, token: str) -> None:
        with pytest.raises(TokenRefused) as refused:
            read([NEW], token, NOW)
        assert refused.value.status in (400, 403)

    def test_a_signed_payload_that_is_not_ours_is_unreadable(self) -> None:
        import base64
        import hashlib
        import hmac

        body = base64.urlsafe_b64encode(b'{"d": "x", "c": "fax"}').rstrip(b"=").decode()
        signed = f"v1.{body}"
        digest = hmac.new(NEW, signed.encode(), hashlib.sha256).digest()
        mac = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        with pytest.raises(TokenRefused) as refused:
            read([NEW], f"{signed}.{mac}", NOW)
        assert refused.value.status == 400

    def test_replays_of_one_link_share_one_dedupe(self) -> None:
        assert read([NEW], sign([NEW], ASK), NOW).dedupe == ASK.dedupe


class TestHeaders:
    LINKS = UnsubscribeLinks(
        keys=(NEW,),
        base_url="https://notifier.bank.example/",
        mailto="replies@mail.bank.example",
        ttl=timedelta(days=30),
    )

    def test_both_headers_as_rfc_8058_has_them(self) -> None:
        headers = dict(self.LINKS.headers("d1", "en", NOW))
        assert headers["List-Unsubscribe-Post"] == ONE_CLICK == "List-Unsubscribe=One-Click"
        link, mailto = (part.strip().strip("<>") for part in headers["List-Unsubscribe"].split(","))
        assert link.startswith("https://notifier.bank.example/v1/email/unsubscribe/v1.")
        assert mailto == "mailto:replies@mail.bank.example?subject=unsubscribe"
        token = link.rsplit("/", 1)[1]
        assert read([NEW], token, NOW) == Unsubscribe("d1", "email", "en", NOW + timedelta(days=30))

    def test_the_link_carries_no_address(self) -> None:
        link = dict(self.LINKS.headers("d1", "zh-CN", NOW))["List-Unsubscribe"].split(",")[0]
        assert "@" not in link
