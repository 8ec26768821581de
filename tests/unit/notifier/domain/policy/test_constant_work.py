"""The gate's constant work done once (each pack's rules by type, its banned terms normalised)
changes no decision: every decision equals the one worked out afresh."""

from __future__ import annotations

import unicodedata

import pytest

from services.notifier.domain.policy import content, rules_content
from services.notifier.domain.policy.content import squeeze
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import ContentBannedRule
from services.notifier.domain.policy.scenario import Decision
from tests.unit.notifier.domain.policy.support import scenario
from tests.unit.notifier.domain.policy.test_content import EXPECTED, GOOD_EN, GOOD_ZH

NOTICE = (
    "【示例银行】您尾号5678的贷款已逾期12天，应还金额2,120.00元，请于2027年3月10日前还款。退订回T"
)


def texts(pack_id: str) -> list[str]:
    """A notice, and the notice with each banned term plainly, spaced out and full-width."""
    pack = load_pack(pack_id)
    found = [NOTICE]
    for rule in pack.of_type(ContentBannedRule):
        for terms in rule.terms.values():
            for term in terms:
                spaced = " ".join(term)
                wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)
                found += [f"{NOTICE}{term}", f"{spaced}{NOTICE}", f"{NOTICE}{wide}"]
    return found


@pytest.mark.parametrize("pack_id", ["cn", "us"])
def test_every_decision_equals_the_one_worked_out_afresh(
    pack_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = load_pack(pack_id)
    corpus = texts(pack_id)
    at = "2027-03-03T10:00:00+08:00"
    kept = [evaluate([pack], scenario(at, text=t)) for t in corpus]
    kept_again = [evaluate([pack], scenario(at, text=t)) for t in corpus]
    monkeypatch.setattr(rules_content, "squeezed_term", squeeze)
    monkeypatch.setattr(rules_content, "_RECENT_KEPT", 0)  # no text's results kept
    rules_content._RECENT.clear()
    afresh = [evaluate([load_pack(pack_id)], scenario(at, text=t)) for t in corpus]
    assert kept == kept_again == afresh
    assert not rules_content._RECENT
    assert len(corpus) > 30
    assert sum(d.outcome.value == "BLOCK" for d in afresh) >= len(corpus) // 2


@pytest.mark.parametrize("pack_id", ["cn", "us"])
def test_a_text_judged_again_at_another_clock_decides_as_afresh(
    pack_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The content results kept from the claim's judgement are the clock's to reuse: judged
    again at night, on a holiday, with an attestation, each decision is the fresh one."""
    pack = load_pack(pack_id)
    corpus = [GOOD_ZH, GOOD_EN, *texts(pack_id)]
    times = ["2026-12-02T10:00:00+08:00", "2026-12-02T23:30:00+08:00", "2026-10-01T10:00:00+08:00"]

    def judged() -> list[Decision]:
        return [
            evaluate([pack], scenario(at, text=t, channel="email", expected=e, attested=a))
            for t in corpus
            for at in times
            for a in (False, True)
            for e in (EXPECTED, EXPECTED | {"institution": "Example Bank"})
        ]

    kept = judged()
    monkeypatch.setattr(rules_content, "_RECENT_KEPT", 0)
    rules_content._RECENT.clear()
    afresh = judged()
    assert kept == afresh
    assert {d.outcome.value for d in afresh} >= {"ALLOW", "DEFER", "BLOCK"}


def test_normalising_through_the_kept_look_alikes_equals_one_character_at_a_time() -> None:
    corpus = [*texts("cn"), *texts("us"), "\u0440\u0430\u0443\u0440\u0430l \uff21\u200b Ⅻ ﬁ ß"]
    for text in corpus:
        folded = unicodedata.normalize("NFKC", text)
        folded = content._INVISIBLE.sub("", folded)
        one_by_one = "".join(content._latin_lookalike(c) for c in folded).casefold()
        assert content.normalise(text) == one_by_one


@pytest.mark.parametrize("pack_id", ["cn", "us"])
def test_the_one_pass_over_banned_terms_finds_a_term_exactly_when_one_is_there(
    pack_id: str,
) -> None:
    """The expression made of a rule's terms finds one in a text if and only if one of them
    is in it (then each is looked for as before)."""
    pack = load_pack(pack_id)
    found = 0
    for rule in pack.of_type(ContentBannedRule):
        prepared = rules_content._prepared(rule)
        assert prepared.any is not None
        wanted = [squeeze(t) for terms in rule.terms.values() for t in terms if squeeze(t)]
        assert [w for _, _, w in prepared.terms] == wanted  # in the rule's order
        for text in texts(pack_id):
            squeezed = content.squeeze(text)
            there = any(w in squeezed for w in wanted)
            assert (prepared.any.search(squeezed) is not None) is there
            found += there
    assert found > 30
