"""Pack loading: provenance on every rule, refusal of invalid packs, overlays only tighten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.notifier.domain.policy.loading import PACKS_DIR, load_pack
from services.notifier.domain.policy.rules import PackInvalid
from services.notifier.domain.policy.scenario import Outcome
from tests.unit.notifier.domain.policy.support import scenario


@pytest.mark.parametrize("name", ["cn", "us"])
def test_builtin_packs_load_with_a_hash_and_provenance(name: str) -> None:
    pack = load_pack(name)
    assert len(pack.digest) == 64
    assert pack.label.startswith(f"{pack.pack.id}@{pack.pack.version}#")
    for rule in pack.rules:
        assert rule.verification
        assert rule.sources or rule.verification == "policy"


def _write(tmp_path: Path, doc: dict[str, object], name: str = "pack.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return str(path)


def _cn() -> dict[str, object]:
    doc = yaml.safe_load((PACKS_DIR / "cn.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def _rule(doc: dict[str, object], rule_id: str) -> dict[str, object]:
    rules = doc["rules"]
    assert isinstance(rules, list)
    return next(r for r in rules if r["id"] == rule_id)


def test_a_rule_without_a_source_is_refused_unless_it_is_policy(tmp_path: Path) -> None:
    doc = _cn()
    _rule(doc, "CN-TIME-1")["sources"] = []
    with pytest.raises(PackInvalid, match="CN-TIME-1 has no source"):
        load_pack(_write(tmp_path, doc))


def test_a_rule_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    doc = _cn()
    _rule(doc, "CN-TIME-1")["sources"] = ["NOWHERE-1"]
    with pytest.raises(PackInvalid, match="unknown source NOWHERE-1"):
        load_pack(_write(tmp_path, doc))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: _rule(d, "CN-TIME-1").update(start="8 o'clock"),
        lambda d: _rule(d, "CN-TIME-1").update(reads_gender=True),  # no rule reads protected data
        lambda d: _rule(d, "CN-PII").update(patterns={"broken": "(unclosed"}),
        lambda d: d.update(default_timezone="Mars/Olympus"),
        lambda d: d["rules"].append(dict(_rule(d, "CN-OPTOUT"))),
    ],
)
def test_invalid_packs_are_refused(tmp_path: Path, breakage: object) -> None:
    doc = _cn()
    breakage(doc)  # type: ignore[operator]
    with pytest.raises(PackInvalid):
        load_pack(_write(tmp_path, doc))


def test_unreadable_pack_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackInvalid):
        load_pack(str(tmp_path / "missing.yaml"))
    (tmp_path / "bad.yaml").write_text("rules: [", encoding="utf-8")
    with pytest.raises(PackInvalid):
        load_pack(str(tmp_path / "bad.yaml"))


def _overlay(**window: str) -> dict[str, object]:
    rule = _rule(_cn(), "CN-TIME-1") | window
    return {
        "pack": {
            "id": "cn.example-bank",
            "version": "2026.2.0",
            "jurisdiction": "CN",
            "effective_from": "2026-01-30",
            "extends": "cn",
        },
        "default_timezone": "Asia/Shanghai",
        "rules": [rule],
    }


def test_an_overlay_may_tighten_a_rule(tmp_path: Path) -> None:
    from services.notifier.domain.policy.engine import evaluate

    pack = load_pack(_write(tmp_path, _overlay(start="09:00", end="20:00")))
    assert pack.pack.id == "cn.example-bank"
    assert len(pack.rules) == len(load_pack("cn").rules)
    decision = evaluate([pack], scenario("2026-11-30T08:30:00+08:00"))
    assert decision.outcome is Outcome.DEFER
    assert decision.until is not None
    assert decision.until.isoformat() == "2026-11-30T09:00:00+08:00"


def test_an_overlay_may_not_relax_a_rule(tmp_path: Path) -> None:
    with pytest.raises(PackInvalid, match="relaxes rule CN-TIME-1"):
        load_pack(_write(tmp_path, _overlay(start="07:00")))


def _holiday_overlay(**changes: object) -> dict[str, object]:
    return _overlay() | {"rules": [_rule(_cn(), "CN-CAL") | changes]}


def test_an_overlay_may_add_no_contact_days(tmp_path: Path) -> None:
    from services.notifier.domain.policy.engine import evaluate

    # A bank that also keeps the Lantern Festival (2027-02-20) free of collection messages.
    overlay = _holiday_overlay(no_contact_dates=["2027-02-20"])
    pack = load_pack(_write(tmp_path, overlay))
    decision = evaluate([pack], scenario("2027-02-20T10:00:00+08:00"))
    assert decision.outcome is Outcome.DEFER
    assert decision.rules == ["CN-CAL"]
    assert decision.until is not None
    assert decision.until.isoformat() == "2027-02-21T08:00:00+08:00"


@pytest.mark.parametrize(
    "changes", [{"holiday_message_cap": 5}, {"holiday_message_cap": None}, {"calendar": "other"}]
)
def test_an_overlay_may_not_loosen_the_holiday_policy(
    tmp_path: Path, changes: dict[str, object]
) -> None:
    with pytest.raises(PackInvalid, match="relaxes rule CN-CAL"):
        load_pack(_write(tmp_path, _holiday_overlay(**changes)))


def test_a_pack_naming_an_unknown_calendar_is_refused(tmp_path: Path) -> None:
    raw = _cn()
    _rule(raw, "CN-CAL")["calendar"] = "atlantis"
    with pytest.raises(PackInvalid, match="no calendar atlantis"):
        load_pack(_write(tmp_path, raw))


def test_a_pack_not_yet_in_force_blocks(tmp_path: Path) -> None:
    from services.notifier.domain.policy.engine import evaluate

    doc = _cn()
    doc["pack"]["effective_from"] = "2026-12-01"  # type: ignore[index]
    pack = load_pack(_write(tmp_path, doc))
    decision = evaluate([pack], scenario("2026-11-30T12:00:00+08:00"))
    assert decision.outcome is Outcome.BLOCK


def test_no_permitted_instant_within_the_horizon_blocks(tmp_path: Path) -> None:
    from services.notifier.domain.policy.engine import evaluate

    doc = _cn()
    _rule(doc, "CN-TIME-1").update(start="08:00", end="09:00")
    pack = load_pack(_write(tmp_path, doc))
    # One hour a day in zones twelve hours apart never overlaps.
    far_apart = {"debtor": {"timezones": ["Asia/Shanghai", "America/Bogota"]}}
    decision = evaluate([pack], scenario("2026-10-12T12:00:00+08:00", **far_apart))
    assert decision.outcome is Outcome.BLOCK
    assert "GATE-HORIZON" in decision.rules


def test_no_pack_at_all_blocks() -> None:
    from services.notifier.domain.policy.engine import evaluate

    assert evaluate([], scenario("2026-11-30T12:00:00+08:00")).outcome is Outcome.BLOCK
