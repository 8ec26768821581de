"""The send observer on Prometheus counts into the notifier's metrics."""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.notifier.adapters.prometheus import PrometheusSendObserver
from services.notifier.domain.policy.scenario import Decision, Outcome


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_observation_lands_in_its_metric() -> None:
    observer = PrometheusSendObserver()
    sent = _value("notifier_messages_total", channel="wechat", outcome="sent")
    deferred = _value("notifier_gate_decisions_total", channel="wechat", outcome="defer")
    hits = _value("notifier_gate_rule_hits_total", rule="TEST-RULE")
    timed = _value("notifier_provider_request_duration_seconds_count", channel="wechat")
    observer.counted("wechat", "sent")
    observer.decided("wechat", Decision(outcome=Outcome.DEFER))
    observer.rules_hit(["TEST-RULE", "TEST-RULE"])
    with observer.provider_time("wechat"):
        pass
    observer.backlog(7)
    assert _value("notifier_messages_total", channel="wechat", outcome="sent") == sent + 1
    assert (
        _value("notifier_gate_decisions_total", channel="wechat", outcome="defer") == deferred + 1
    )
    assert _value("notifier_gate_rule_hits_total", rule="TEST-RULE") == hits + 2
    assert _value("notifier_provider_request_duration_seconds_count", channel="wechat") == timed + 1
    assert _value("notifier_deferred_sends") == 7
