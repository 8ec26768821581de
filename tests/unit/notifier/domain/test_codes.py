"""Verification codes: the same as before wherever they spell no avoided word, clean always."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from services.notifier.domain import codes
from services.notifier.domain.codes import AVOIDED, clean_code, first_window, spells_avoided
from services.notifier.domain.model import DirectoryEntry, GateFacts
from services.notifier.domain.policy.content import squeeze
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Outcome
from services.notifier.domain.sends import code_of_key, codes_of_key, gate_scenario, send_key
from shared.testing.factories import contact_request
from tests.unit.notifier.domain.test_templates import BANK, REGISTRY

SECRET = b"local-development-only"
BASE32_CODE = re.compile(r"^[A-Z2-7]{8}$")
PACKS = Path("services/notifier/config/packs")
#: A request whose SMS key's digest begins JAIL (found by counting up from req-0).
JAIL_REQUEST = "req-189277"


def stdlib_code(secret: bytes, key: str) -> str:
    """The code as versions before clean codes made it, straight from the standard library."""
    return base64.b32encode(hmac.new(secret, key.encode(), hashlib.sha256).digest())[:8].decode()


def test_a_code_that_spells_nothing_is_the_code_earlier_versions_gave() -> None:
    keys = [send_key(f"req-{n}", "sms") for n in range(20_000)]
    same = sum(code_of_key(SECRET, k) == stdlib_code(SECRET, k) for k in keys)
    spelling = sum(spells_avoided(stdlib_code(SECRET, k)) for k in keys)
    assert same == len(keys) - spelling
    assert spelling < 20  # about 4 in 20,000 keys; the rest keep their code


def test_every_code_is_eight_base32_characters_and_spells_no_avoided_word() -> None:
    codes = [code_of_key(SECRET, send_key(f"req-{n}", "email")) for n in range(20_000)]
    assert all(BASE32_CODE.match(c) for c in codes)
    assert not any(spells_avoided(c) for c in codes)


def test_a_digest_that_begins_with_a_word_gives_its_next_clean_window() -> None:
    key = send_key(JAIL_REQUEST, "sms")
    assert first_window(SECRET, key) == stdlib_code(SECRET, key)
    assert first_window(SECRET, key).startswith("JAIL")
    code = code_of_key(SECRET, key)
    assert code != first_window(SECRET, key)
    assert BASE32_CODE.match(code)
    assert not spells_avoided(code)
    assert codes_of_key(SECRET, key) == (code, first_window(SECRET, key))


def test_a_clean_first_window_is_the_only_code_of_its_send() -> None:
    key = send_key("req-1", "sms")
    assert codes_of_key(SECRET, key) == (stdlib_code(SECRET, key),)


def test_past_every_window_of_a_digest_the_next_digest_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = base64.b32encode(hmac.new(SECRET, b"k", hashlib.sha256).digest()).decode()
    windows = {whole[i : i + 8] for i in range(0, 48, 8)}  # six: 52 characters and padding
    monkeypatch.setattr(codes, "AVOIDED", frozenset(windows))
    assert clean_code(SECRET, "k") == stdlib_code(SECRET, "k|1")


@pytest.mark.parametrize(
    ("code", "spells"),
    [("JAILSWGG", True), ("XJ4ILQQQ", True), ("QQFBIQQQ", True), ("L7ARQQQQ", False),
     ("ABCD2345", False), ("QQQQQQQQ", False), ("Q5H7TQQQ", False), ("5H1TQQQQ", False)],
)  # fmt: skip
def test_a_word_is_found_as_written_and_with_digits_read_as_letters(
    code: str, spells: bool
) -> None:
    assert spells_avoided(code) is spells


def test_every_short_banned_latin_term_of_every_shipped_pack_is_avoided() -> None:
    """A code is eight characters: any banned term that fits must be one it never spells,
    or a message would be blocked by its own code."""
    short: set[str] = set()
    for path in PACKS.glob("*.yaml"):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            if rule.get("type") == "content_banned":
                for terms in rule.get("terms", {}).values():
                    short |= {
                        s.upper() for t in terms if (s := squeeze(t)).isascii() and len(s) <= 8
                    }
    assert short, "the packs' banned terms were not read"
    assert short <= AVOIDED, sorted(short - AVOIDED)


class TestTheChineseSmsOfTheJailKey:
    """The send the cn pack blocked by chance (its code spelled JAIL) now goes out."""

    def _decision(self, code: str) -> list[str]:
        request = contact_request(channels=("sms",))
        message = REGISTRY.render(request, "sms", "zh-CN", BANK, code)
        entry = DirectoryEntry(debtor_id=request.debtor_id, mobile="+8613800000001")
        scenario = gate_scenario(
            request,
            "sms",
            entry,
            GateFacts(history=[], opt_outs=[]),
            message,
            institution=BANK,
            code=code,
            now=datetime(2026, 3, 4, 4, 0, tzinfo=UTC),
        )
        decision = evaluate([load_pack("cn")], scenario)
        return [r for r in decision.reasons if decision.outcome is not Outcome.ALLOW]

    def test_the_first_window_would_block_the_message(self) -> None:
        key = send_key(JAIL_REQUEST, "sms")
        reasons = self._decision(first_window(SECRET, key))
        assert any(r.startswith("CN-CONTENT-BAN: banned threats: 'jail'") for r in reasons)

    def test_its_clean_code_passes_the_gate(self) -> None:
        assert self._decision(code_of_key(SECRET, send_key(JAIL_REQUEST, "sms"))) == []
