"""Encoding and decoding events: CloudEvents headers, validation reasons, determinism."""

from __future__ import annotations

import json

import pytest

from shared.errors import InvalidEvent
from shared.events import MAX_EVENT_BYTES, decode, derived_event_id, encode, parse_event
from shared.testing.factories import contact_request, overdue


class TestEncode:
    def test_round_trip_keeps_every_field(self) -> None:
        event = overdue()
        record = encode(event, source="/test")
        assert decode(record.value, record.headers) == event

    def test_binary_mode_headers_carry_the_cloudevents_attributes(self) -> None:
        event = overdue()
        headers = dict(encode(event, source="/dunwell/test").headers)
        assert headers["ce_id"] == event.event_id.encode()
        assert headers["ce_type"] == b"corebanking.loan.instalment-overdue.v1"
        assert headers["ce_source"] == b"/dunwell/test"
        assert headers["ce_specversion"] == b"1.0"
        assert headers["content-type"] == b"application/json"
        assert headers["ce_time"].startswith(b"2026-03-04T09:30:00")

    def test_key_is_what_must_stay_ordered(self) -> None:
        request = contact_request()
        assert encode(request, source="/t").key == request.debtor_id.encode()
        loan_event = overdue()
        assert encode(loan_event, source="/t").key == loan_event.loan_id.encode()


class TestDecodeRejects:
    def test_a_body_that_is_not_json(self) -> None:
        record = encode(overdue(), source="/t")
        with pytest.raises(InvalidEvent, match="schema"):
            decode(b"\xff\xfenot json", record.headers)

    def test_missing_cloudevents_headers(self) -> None:
        record = encode(overdue(), source="/t")
        with pytest.raises(InvalidEvent, match="ce_id"):
            decode(record.value, [h for h in record.headers if h[0] != "ce_id"])

    def test_headers_that_contradict_the_body(self) -> None:
        record = encode(overdue(), source="/t")
        headers = [(k, b"other-id" if k == "ce_id" else v) for k, v in record.headers]
        with pytest.raises(InvalidEvent, match="do not match"):
            decode(record.value, headers)

    def test_unknown_event_type(self) -> None:
        record = encode(overdue(), source="/t")
        body = json.loads(record.value)
        body["type"] = "corebanking.loan.exploded.v1"
        with pytest.raises(InvalidEvent, match="union_tag_invalid"):
            decode(json.dumps(body).encode(), record.headers)

    def test_a_wrong_field_type_names_the_field_but_not_the_value(self) -> None:
        record = encode(overdue(), source="/t")
        body = json.loads(record.value)
        body["amount_due"] = "13812345678 yuan"
        with pytest.raises(InvalidEvent) as caught:
            decode(json.dumps(body).encode(), record.headers)
        assert "amount_due" in str(caught.value)
        assert "13812345678" not in str(caught.value)

    def test_an_oversized_record(self) -> None:
        record = encode(overdue(), source="/t")
        with pytest.raises(InvalidEvent, match="exceeds"):
            decode(b" " * (MAX_EVENT_BYTES + 1), record.headers)

    def test_an_empty_record(self) -> None:
        with pytest.raises(InvalidEvent, match="empty"):
            decode(None, [])

    def test_a_naive_timestamp(self) -> None:
        body = json.loads(encode(overdue(), source="/t").value)
        body["occurred_at"] = "2026-03-04T09:30:00"
        with pytest.raises(InvalidEvent, match="occurred_at"):
            parse_event(json.dumps(body).encode())


class TestEventsAreFrozen:
    def test_an_event_cannot_be_edited_in_place(self) -> None:
        event = overdue()
        with pytest.raises(ValueError, match="frozen"):
            event.loan_id = "other"  # type: ignore[misc]


def test_derived_ids_are_deterministic_and_distinct() -> None:
    assert derived_event_id("loan-1", "1", "step") == derived_event_id("loan-1", "1", "step")
    assert derived_event_id("loan-1", "1", "step") != derived_event_id("loan-1", "2", "step")
