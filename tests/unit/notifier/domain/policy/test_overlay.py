"""Overlay packs: merged over their base, allowed to tighten a rule, never to relax one."""

from __future__ import annotations

from typing import Any

import pytest

from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.overlay import check_overlay, merge
from services.notifier.domain.policy.rules import PackInvalid


def _rule(rule_id: str, **changes: Any) -> dict[str, Any]:
    base = load_pack("cn").model_dump(mode="json")
    rule: dict[str, Any] = next(r for r in base["rules"] if r["id"] == rule_id)
    return rule | changes


def test_the_overlays_rules_replace_the_bases_by_id_and_sources_add_up() -> None:
    base = {"pack": {"id": "cn"}, "sources": {"a": 1}, "rules": [{"id": "R1"}, {"id": "R2"}]}
    overlay = {"pack": {"id": "bank"}, "sources": {"b": 2}, "rules": [{"id": "R2", "x": 1}]}
    merged = merge(base, overlay)
    assert merged["pack"] == {"id": "bank"}
    assert merged["sources"] == {"a": 1, "b": 2}
    assert merged["rules"] == [{"id": "R1"}, {"id": "R2", "x": 1}]


def test_a_narrower_contact_window_tightens() -> None:
    check_overlay(load_pack("cn"), {"rules": [_rule("CN-TIME-1", start="09:00")]})


def test_a_wider_contact_window_relaxes_and_is_refused() -> None:
    with pytest.raises(PackInvalid, match="relaxes rule CN-TIME-1"):
        check_overlay(load_pack("cn"), {"rules": [_rule("CN-TIME-1", start="07:00")]})


def test_a_rule_the_base_does_not_have_is_the_overlays_own() -> None:
    check_overlay(load_pack("cn"), {"rules": [{"id": "BANK-NEW", "type": "unknown"}]})


def test_an_invalid_rule_replacing_a_base_rule_is_refused() -> None:
    with pytest.raises(PackInvalid, match="overlay rule CN-TIME-1 is invalid"):
        check_overlay(load_pack("cn"), {"rules": [_rule("CN-TIME-1", start="late")]})
