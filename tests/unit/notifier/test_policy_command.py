"""``dunwell policy evaluate``: one scenario on stdin, one decision on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from services.cli import main
from services.notifier.policy.pack import PACKS_DIR

SCENARIO = {
    "now": "2026-11-30T22:00:00+08:00",
    "channel": "sms",
    "debtor": {"timezones": ["Asia/Shanghai"], "state": "reachable"},
    "recipient": {"role": "debtor", "provenance": "contract"},
    "history": [
        {
            "at": "2026-11-30T09:00:00+08:00",
            "channel": "sms",
            "kind": "message_sent",
            "sender": "bank",
            "debt_id": "L1",
        }
    ],
    "opt_outs": [],
    "consents": [],
    "debt_id": "L1",
}


def _run(stdin: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["policy", "evaluate", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_prints_one_decision_with_the_fixed_fields() -> None:
    code, out, _ = _run(json.dumps(SCENARIO))
    assert code == 0
    decision = json.loads(out)
    assert decision == {
        "outcome": "DEFER",
        "until": "2026-12-01T08:00:00+08:00",
        "rules": ["CN-TIME-1"],
        "reasons": ["CN-TIME-1: 22:00:00 is outside 08:00-22:00 in Asia/Shanghai"],
    }


def test_allow_has_a_null_until() -> None:
    code, out, _ = _run(json.dumps(SCENARIO | {"now": "2026-11-30T12:00:00+08:00"}))
    assert code == 0
    assert json.loads(out) == {"outcome": "ALLOW", "until": None, "rules": [], "reasons": []}


def test_pack_by_name_and_by_path() -> None:
    us = json.loads(_run(json.dumps(SCENARIO), "--pack", "us")[1])
    assert us["outcome"] == "BLOCK"
    assert us["rules"] == ["US-TCPA", "US-TIME-1"]
    by_path = json.loads(_run(json.dumps(SCENARIO), "--pack", str(PACKS_DIR / "cn.yaml"))[1])
    assert by_path["rules"] == ["CN-TIME-1"]


def test_bad_json_exits_2_with_a_message() -> None:
    code, out, err = _run("{not json")
    assert code == 2
    assert out == ""
    assert "not a valid scenario" in err


def test_a_scenario_missing_fields_exits_2_naming_them() -> None:
    code, _, err = _run(json.dumps({"now": "2026-11-30T22:00:00+08:00"}))
    assert code == 2
    assert "channel" in err
    assert "debtor" in err


def test_a_time_without_offset_is_refused() -> None:
    code, _, err = _run(json.dumps(SCENARIO | {"now": "2026-11-30T22:00:00"}))
    assert code == 2
    assert "now" in err


def test_an_invalid_pack_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: {}\n", encoding="utf-8")
    code, _, err = _run(json.dumps(SCENARIO), "--pack", str(bad))
    assert code == 2
    assert "invalid" in err
