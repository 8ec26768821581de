"""A case's evidence rows (pure): kinds named without prefix and version, local times, who,
integrity, the newest first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.desk.domain.evidence import evidence_rows, what

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_kind_loses_its_house_prefix_and_version() -> None:
    assert what("dunwell.reply.received.v1") == "reply.received"
    assert what("dunwell.agent.call_logged.v12") == "agent.call_logged"
    assert what("dunwell.dead-letter.v1") == "dead-letter"
    assert what("someone.else") == "someone.else"
    assert what(None) == ""


def test_rows_come_newest_first_in_the_banks_zone_with_their_state() -> None:
    entries = [
        {
            "index": 3,
            "kind": "dunwell.agent.call_logged.v1",
            "occurred_at": "2027-01-04T01:30:00+00:00",
            "tampered": False,
            "erased": False,
            "content": {"agent_id": "agent-7", "kind": "call_logged"},
        },
        {"index": 9, "kind": "dunwell.interaction.recorded.v1", "erased": True, "content": None},
        {"index": 5, "kind": "dunwell.reply.received.v1", "tampered": True, "occurred_at": "x"},
    ]
    rows = evidence_rows(entries, SHANGHAI)
    assert [(r["index"], r["state"]) for r in rows] == [
        (9, "erased"),
        (5, "tampered"),
        (3, "intact"),
    ]
    assert rows[2]["at"] == "2027-01-04 09:30"
    assert rows[2]["who"] == "agent-7"
    assert rows[2]["detail"] == "call_logged"
    assert rows[1]["at"] == ""  # a time that does not parse shows nothing, never an error


def test_a_replys_own_words_are_shown_to_whoever_reads_it() -> None:
    entries = [
        {
            "index": 1,
            "kind": "dunwell.reply.received.v1",
            "content": {"intent": "other", "text": "这个月工资还没发"},
        },
        {"index": 2, "kind": "dunwell.interaction.recorded.v1", "content": {"text": 5}},
    ]
    rows = {r["index"]: r for r in evidence_rows(entries, SHANGHAI)}
    assert rows[1]["words"] == "这个月工资还没发"
    assert rows[2]["words"] == ""
