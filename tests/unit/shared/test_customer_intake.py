"""Contact details from a core system that sends more than the directory keeps."""

from __future__ import annotations

import json

import pytest

from shared.customer_intake import Tolerated, decode_customer_event
from shared.errors import InvalidEvent
from shared.events import ContactDetailsChanged, encode
from shared.testing.factories import contact_details, overdue


def with_fields(**extra: object) -> tuple[bytes, tuple[tuple[str, bytes], ...]]:
    record = encode(contact_details("debtor-1", mobile="+8613800000001"), source="/corebanking")
    return json.dumps({**json.loads(record.value), **extra}).encode(), record.headers


def test_extra_and_protected_fields_are_left_out_and_counted() -> None:
    value, headers = with_fields(gender="F", dateOfBirth="1980-01-01", officeName="总行")
    event, tolerated = decode_customer_event(value, headers)
    assert isinstance(event, ContactDetailsChanged)
    assert event.mobile == "+8613800000001"
    assert tolerated == Tolerated(protected=2, unknown=1)


def test_a_protected_field_inside_a_known_one_is_left_out_and_counted() -> None:
    record = encode(contact_details("debtor-1", mobile="+8613800000001"), source="/corebanking")
    document = json.loads(record.value)
    consent = {"channel": "sms", "until": "2026-12-31T00:00:00Z", "evidence": "rec-1"}
    document["consents"] = [{**consent, "maritalStatus": "married"}]
    event, tolerated = decode_customer_event(json.dumps(document).encode(), record.headers)
    assert isinstance(event, ContactDetailsChanged)
    assert [c.evidence for c in event.consents] == ["rec-1"]
    assert tolerated == Tolerated(protected=1, unknown=0)


def test_details_as_sent_by_dunwell_decode_with_nothing_left_out() -> None:
    value, headers = with_fields()
    _, tolerated = decode_customer_event(value, headers)
    assert tolerated == Tolerated()


@pytest.mark.parametrize("bad", [{"mobile": "13800138000"}, {"debtor_id": ""}])
def test_known_fields_are_validated_as_strictly_as_ever(bad: dict[str, object]) -> None:
    value, headers = with_fields(**bad)
    with pytest.raises(InvalidEvent, match="schema"):
        decode_customer_event(value, headers)


def test_other_events_and_junk_decode_as_ever() -> None:
    record = encode(overdue(), source="/corebanking")
    extra = json.dumps({**json.loads(record.value), "extra": 1}).encode()
    with pytest.raises(InvalidEvent):
        decode_customer_event(extra, record.headers)
    with pytest.raises(InvalidEvent, match="empty"):
        decode_customer_event(b"", record.headers)
    with pytest.raises(InvalidEvent):
        decode_customer_event(b"{oops", record.headers)
