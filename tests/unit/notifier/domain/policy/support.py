"""Builders for gate scenarios: a reachable debtor in Shanghai, contacted by SMS, by default."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.scenario import Decision, Scenario


@cache
def pack(name: str) -> Pack:
    return load_pack(name)


def scenario(now: str, **overrides: Any) -> Scenario:
    base: dict[str, Any] = {
        "now": now,
        "channel": "sms",
        "debtor": {"timezones": ["Asia/Shanghai"], "state": "reachable"},
        "recipient": {"role": "debtor", "provenance": "contract"},
        "history": [],
        "opt_outs": [],
        "consents": [],
        "debt_id": "loan-1",
    }
    return Scenario.model_validate(base | overrides)


def decide(now: str, *packs: str, **overrides: Any) -> Decision:
    return evaluate([pack(p) for p in packs or ("cn",)], scenario(now, **overrides))


def contact(at: str, kind: str = "message_sent", **fields: Any) -> dict[str, Any]:
    return {
        "at": at,
        "channel": "sms",
        "kind": kind,
        "sender": "bank",
        "debt_id": "loan-1",
    } | fields


def until(decision: Decision) -> str | None:
    return decision.until.isoformat() if decision.until else None
