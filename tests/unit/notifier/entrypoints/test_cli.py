"""``dunwell policy evaluate``: one scenario on stdin, one decision on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.notifier.domain.policy.loading import PACKS_DIR

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
    text = (Path(__file__).parents[4] / "shared" / "calendars" / "cn.yaml").read_text()
    text = text.replace("    status: provisional", "    status: official").replace(
        "{name: 元旦, from: 2027-01-01, to: 2027-01-01}",
        "{name: 元旦, from: 2027-01-01, to: 2027-01-04}",
    )
    (tmp_path / "cn.yaml").write_text(text, encoding="utf-8")
    scenario = json.loads(_fresh("2027-01-04T10:00:00+08:00"))
    scenario["history"] = [SCENARIO["history"][0] | {"at": "2027-01-04T09:00:00+08:00"}]  # type: ignore[index]
    _, out, _ = _run(json.dumps(scenario), "--calendars", str(tmp_path))
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


def test_notifier_redrive_re_drives_parked_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    from datetime import UTC, datetime

    from services.notifier.adapters.sql.store import SqlNotifierStore
    from services.notifier.domain.model import HOLD_EXPIRED, PARKED, GateTicket
    from shared.database import create_engine

    url = f"sqlite+aiosqlite:///{tmp_path}/notifier.db"
    now = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)

    async def park() -> None:
        engine = create_engine(url)
        store = SqlNotifierStore(engine)
        await store.migrate()
        ticket = GateTicket("r1|sms", "d1", "L1", "sms", "", now, b"{}")
        await store.hold(ticket, until=PARKED, reason=HOLD_EXPIRED)
        await engine.dispose()

    asyncio.run(park())
    monkeypatch.setenv("DUNWELL_NOTIFIER_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["notifier", "redrive"])
    assert result.exit_code == 0, result.output
    assert "1 parked send(s) re-driven" in result.stdout
    assert "0 parked" in CliRunner().invoke(main, ["notifier", "redrive"]).stdout


def test_redrive_works_on_the_store_it_is_given() -> None:
    """The command group takes its store from whoever registers it (here, in memory)."""
    import asyncio
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager
    from datetime import UTC, datetime

    from services.notifier.adapters.memory.store import InMemoryNotifierStore
    from services.notifier.domain.model import HOLD_EXPIRED, PARKED, GateTicket
    from services.notifier.entrypoints.cli import notifier_commands
    from services.notifier.ports import GateStore

    store = InMemoryNotifierStore()
    at = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
    for debtor in ("d1", "d2"):
        ticket = GateTicket(f"r-{debtor}|sms", debtor, "loan-1", "sms", "", at, b"{}")
        asyncio.run(store.hold(ticket, until=PARKED, reason=HOLD_EXPIRED))

    @asynccontextmanager
    async def open_store() -> AsyncIterator[GateStore]:
        yield store

    result = CliRunner().invoke(notifier_commands(open_store), ["redrive", "--debtor", "d1"])
    assert result.exit_code == 0, result.output
    assert result.output == "1 parked send(s) re-driven through the gate\n"
    assert CliRunner().invoke(notifier_commands(open_store), ["redrive"]).output.startswith("1 ")
