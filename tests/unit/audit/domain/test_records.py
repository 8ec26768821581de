"""Agents' records: validated, dated by what they describe, idempotent by source and id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.audit.domain.records import RECORDS, entry_for_agent_record

BASE = {"record_id": "r1", "debtor_id": "d1", "agent_id": "a7"}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"kind": "call_logged", "duration_s": 60, "summary": "s"}, "started_at"),
        ({"kind": "visit_recorded", "place": "p", "outcome": "o", "summary": "s"}, "visited_at"),
        (
            {"kind": "recording_hashed", "call_record_id": "c1", "sha256": "a" * 64},
            "recorded_at",
        ),
    ],
)
def test_an_entry_is_dated_by_what_the_record_describes(
    record: dict[str, object], field: str
) -> None:
    at = "2026-03-04T10:00:00+08:00"
    extra = {"duration_s": 60} if record["kind"] == "recording_hashed" else {}
    parsed = RECORDS.validate_python({**BASE, **record, **extra, field: at})
    entry = entry_for_agent_record(parsed, source="crm")
    assert entry.occurred_at == datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    assert entry.kind == f"dunwell.agent.{record['kind']}.v1"
    assert entry.topic == "http:crm"


def test_the_same_record_from_the_same_source_is_the_same_entry() -> None:
    record = RECORDS.validate_python(
        {
            **BASE,
            "kind": "call_logged",
            "started_at": "2026-03-04T10:00:00+08:00",
            "duration_s": 1,
            "summary": "s",
        }
    )
    first = entry_for_agent_record(record, source="crm")
    assert entry_for_agent_record(record, source="crm").event_id == first.event_id
    assert entry_for_agent_record(record, source="other").event_id != first.event_id


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValidationError):
        RECORDS.validate_python(
            {
                **BASE,
                "kind": "call_logged",
                "started_at": "2026-03-04T10:00:00",
                "duration_s": 1,
                "summary": "s",
            }
        )
