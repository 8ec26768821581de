"""Overlay packs: a bank's pack over a base pack may tighten its rules, never relax them
unless the base rule says ``overridable: true``."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.rules import (
    ContactWindowRule,
    ContentBannedRule,
    FrequencyCapRule,
    HolidayRule,
    PackInvalid,
    Rule,
)


def _tightens(base: Any, new: Any) -> bool:
    """Whether ``new`` is at least as strict as ``base`` (same rule id)."""
    if type(base) is not type(new):
        return False
    if isinstance(base, ContactWindowRule):
        return bool(
            set(new.channels) >= set(base.channels)
            and new.start >= base.start
            and new.end <= base.end
        )
    if isinstance(base, FrequencyCapRule):
        return bool(new.max <= base.max and new.window == base.window)
    if isinstance(base, ContentBannedRule):
        return all(set(new.terms.get(k, [])) >= set(v) for k, v in base.terms.items())
    if isinstance(base, HolidayRule):
        return _holiday_tightens(base, new)
    return bool(base == new)


def _holiday_tightens(base: HolidayRule, new: HolidayRule) -> bool:
    """An overlay may add no-contact days and channels, and lower the holiday cap."""
    capped = base.holiday_message_cap is None or (
        new.holiday_message_cap is not None and new.holiday_message_cap <= base.holiday_message_cap
    )
    return bool(
        new.calendar == base.calendar
        and set(new.no_contact_dates) >= set(base.no_contact_dates)
        and set(new.channels) >= set(base.channels)
        and capped
    )


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """The base pack's document with the overlay's fields, sources and rules (by id) over it."""
    base_rules = {r["id"]: r for r in base.get("rules", [])}
    merged = dict(base_rules)
    for rule in overlay.get("rules", []):
        merged[rule["id"]] = rule
    result = {**base, **{k: v for k, v in overlay.items() if k != "rules"}}
    result["sources"] = {**base.get("sources", {}), **overlay.get("sources", {})}
    result["rules"] = list(merged.values())
    return result


def check_overlay(base: Pack, overlay: dict[str, Any]) -> None:
    """Refuse an overlay that relaxes a rule of ``base`` which is not overridable."""
    by_id = {r.id: r for r in base.rules}
    adapter: TypeAdapter[list[Rule]] = TypeAdapter(list[Rule])
    for raw_rule in overlay.get("rules", []):
        old = by_id.get(raw_rule.get("id"))
        if old is None or old.overridable:
            continue
        try:
            new = adapter.validate_python([raw_rule])[0]
        except ValidationError as e:
            raise PackInvalid(f"overlay rule {raw_rule.get('id')} is invalid: {e}") from e
        if not _tightens(old, new):
            raise PackInvalid(f"overlay relaxes rule {old.id}, which is not overridable")
