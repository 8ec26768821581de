"""An approval lifts the escalations a person reviewed, and nothing else (pure)."""

from __future__ import annotations

from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.scenario import Outcome
from tests.unit.notifier.domain.policy.support import pack, scenario

NOON = "2026-11-30T12:00:00+08:00"
LOST = {"debtor": {"timezones": ["Asia/Shanghai"], "state": "lost_contact"}}
THIRD = {"recipient": {"role": "other", "provenance": "reserved_contact_person"}}
CLEAN = "您好，这里是示例银行客服。请转告张先生回电 95500。"


def test_the_reviewed_rules_escalation_allows_with_a_note() -> None:
    asked = scenario(NOON, **LOST, **THIRD, text=CLEAN)
    escalated = evaluate([pack("cn")], asked)
    assert escalated.outcome is Outcome.ESCALATE
    lifted = evaluate([pack("cn")], asked, frozenset(escalated.rules))
    assert lifted.outcome is Outcome.ALLOW
    assert lifted.rules == []
    assert any(r.startswith(f"{escalated.rules[0]}: escalation approved") for r in lifted.reasons)


def test_another_rules_approval_leaves_the_escalation() -> None:
    asked = scenario(NOON, **LOST, **THIRD, text=CLEAN)
    assert evaluate([pack("cn")], asked, frozenset({"OTHER-1"})).outcome is Outcome.ESCALATE


def test_an_approval_never_lifts_a_block_of_the_same_rule() -> None:
    leaky = "请转告张先生：他的贷款已逾期，请尽快还款。"
    asked = scenario(NOON, **LOST, **THIRD, text=leaky)
    blocked = evaluate([pack("cn")], asked)
    assert blocked.outcome is Outcome.BLOCK
    assert evaluate([pack("cn")], asked, frozenset(blocked.rules)).outcome is Outcome.BLOCK
