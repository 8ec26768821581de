"""The gate's constant work done once (each pack's rules by type, its banned terms normalised)
changes no decision: every decision equals the one worked out afresh."""

from __future__ import annotations

import pytest

from services.notifier.domain.policy import rules_content
from services.notifier.domain.policy.content import squeeze
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.rules import ContentBannedRule
from tests.unit.notifier.domain.policy.support import scenario

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
    afresh = [evaluate([load_pack(pack_id)], scenario(at, text=t)) for t in corpus]
    assert kept == kept_again == afresh
    assert len(corpus) > 30
    assert sum(d.outcome.value == "BLOCK" for d in afresh) >= len(corpus) // 2
