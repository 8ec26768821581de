"""The end-of-run checks themselves catch what they promise to catch (no broker needed)."""

from __future__ import annotations

from collections import Counter

from tests.resilience.checks import Verdict, _judge, _over_cap


def test_each_broken_promise_is_a_problem() -> None:
    verdict = Verdict()
    _judge(verdict, ("r1", "sms"), {"message_sent"}, 1)  # fine
    _judge(verdict, ("r2", "sms"), {"message_sent"}, 2)  # doubled
    _judge(verdict, ("r3", "email"), {"send_blocked"}, 1)  # arrived, recorded as blocked
    _judge(verdict, ("r4", "wechat"), {"message_sent"}, 0)  # "sent" but never arrived
    _judge(verdict, ("r5", "sms"), set(), 0)  # no outcome at all
    _judge(verdict, ("r6", "email"), {"send_uncertain"}, 0)  # uncertain, not there: honest
    assert verdict.doubled == [("r2", "sms")]
    assert verdict.hidden == [("r3", "email")]
    assert verdict.sent_not_arrived == [("r4", "wechat")]
    assert verdict.without_outcome == [("r5", "sms")]
    assert len(verdict.problems()) == 4
    assert not verdict.complete()
    assert verdict.outcomes["send_uncertain"] == 1


def test_a_borrower_over_the_message_cap_is_caught() -> None:
    seen = Counter({("sms", "A"): 1, ("wechat", "B"): 1, ("sms", "C"): 1, ("email", "D"): 1})
    debtors = {("sms", "A"): "d1", ("wechat", "B"): "d1", ("sms", "C"): "d1", ("email", "D"): "d1"}
    assert _over_cap(seen, debtors) == ["d1: 3 > CN-FREQ-MSG 2"]
    del seen[("sms", "C")]
    assert _over_cap(seen, debtors) == []


def test_a_reconciled_send_counts_as_what_it_became_and_a_false_not_sent_is_caught() -> None:
    verdict = Verdict()
    _judge(verdict, ("r1", "sms"), {"send_uncertain", "message_sent"}, 1)  # found: sent
    _judge(verdict, ("r2", "sms"), {"send_uncertain", "send_not_sent"}, 0)  # not sent: honest
    _judge(verdict, ("r3", "sms"), {"send_uncertain", "send_not_sent"}, 1)  # said not sent: lie
    _judge(verdict, ("r4", "email"), {"send_uncertain"}, 1)  # still uncertain
    assert verdict.outcomes == Counter({"message_sent": 1, "send_not_sent": 2, "send_uncertain": 1})
    assert verdict.not_sent_arrived == [("r3", "sms")]
    assert verdict.hidden == []
    assert verdict.attempted() == 4
    assert verdict.uncertain_share() == 0.25
    assert verdict.by_channel["email:send_uncertain"] == 1
    assert verdict.reconciled == 3
