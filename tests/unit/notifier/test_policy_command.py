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


def _fresh(now: str) -> str:
    return json.dumps(SCENARIO | {"now": now, "history": []})


def test_2027_sms_is_allowed_and_spring_festival_deferred_never_blocked() -> None:
    code, out, _ = _run(_fresh("2027-01-04T10:00:00+08:00"), "--pack", "cn")
    assert code == 0
    decision = json.loads(out)
    assert decision["outcome"] == "ALLOW"
    assert any("provisional" in r for r in decision["reasons"])
    for day in ("2027-02-05", "2027-02-06"):
        code, out, _ = _run(_fresh(f"{day}T10:00:00+08:00"), "--pack", "cn")
        assert json.loads(out)["outcome"] == "DEFER"
        assert json.loads(out)["until"] == "2027-02-07T08:00:00+08:00"


def test_a_replaced_calendar_directory_is_read_without_a_code_change(tmp_path: Path) -> None:
    # The operator loads an official 2027 in which 2027-01-04 is a bridging holiday.
    text = (Path(__file__).parents[3] / "shared" / "calendars" / "cn.yaml").read_text()
    text = text.replace("    status: provisional", "    status: official").replace(
        "{name: 元旦, from: 2027-01-01, to: 2027-01-01}",
        "{name: 元旦, from: 2027-01-01, to: 2027-01-04}",
    )
    (tmp_path / "cn.yaml").write_text(text, encoding="utf-8")
    scenario = json.loads(_fresh("2027-01-04T10:00:00+08:00"))
    scenario["history"] = [SCENARIO["history"][0] | {"at": "2027-01-04T09:00:00+08:00"}]  # type: ignore[index]
    code, out, _ = _run(json.dumps(scenario), "--calendars", str(tmp_path))
    decision = json.loads(out)
    assert decision["outcome"] == "DEFER"  # a holiday: one message a day
    assert not any("provisional" in r for r in decision["reasons"])


def test_policy_check_reports_calendar_coverage_and_warns_before_it_ends() -> None:
    def check(today: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, ["policy", "check", "cn", "--today", today])
        return result.exit_code, result.stdout, result.stderr

    code, out, err = check("2026-12-01")
    assert code == 0
    assert "official through 2026-12-31, provisional through 2027-12-31" in out
    assert "official data ends 2026-12-31" in err
    assert check("2026-06-01")[2] == ""  # more than 60 days ahead: nothing to say
    assert "no official data for 2027" in check("2027-01-04")[2]
