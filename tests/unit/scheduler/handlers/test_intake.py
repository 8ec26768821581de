"""The input boundary: protected attributes dropped before validation, Avro handed to the
core system's translator, anything else refused."""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY

from services.scheduler.handlers.intake import decode_loan_record, strip_protected
from shared.errors import InvalidEvent
from shared.events import Event, encode
from shared.testing.factories import contact_request, overdue


def no_avro(value: bytes, key: bytes | None) -> Event | None:
    raise AssertionError("not an Avro record")


def test_protected_attributes_are_dropped_at_any_depth_and_counted() -> None:
    before = REGISTRY.get_sample_value("scheduler_protected_fields_dropped_total") or 0.0
    document = {"gender": "F", "loan": {"age": 40, "amount": 1}, "list": [{"occupation": "x"}]}
    assert strip_protected(document) == {"loan": {"amount": 1}, "list": [{}]}
    assert REGISTRY.get_sample_value("scheduler_protected_fields_dropped_total") == before + 3


def test_our_json_events_decode_without_their_protected_attributes() -> None:
    event = overdue()
    record = encode(event, source="/corebanking")
    body = {**json.loads(record.value), "gender": "M"}
    decoded = decode_loan_record(record.key, json.dumps(body).encode(), record.headers, no_avro)
    assert decoded == event


def test_avro_goes_to_the_translator_with_the_key() -> None:
    seen: list[tuple[bytes, bytes | None]] = []

    def translate(value: bytes, key: bytes | None) -> Event | None:
        seen.append((value, key))
        return None

    assert decode_loan_record(b"k", b"\xc3\x01rest", [], translate) is None
    assert seen == [(b"\xc3\x01rest", b"k")]


@pytest.mark.parametrize("value", [None, b"", b"{not json"])
def test_empty_or_unreadable_values_are_invalid(value: bytes | None) -> None:
    with pytest.raises(InvalidEvent):
        decode_loan_record(b"k", value, [], no_avro)


def test_an_event_of_another_topic_is_invalid_here() -> None:
    record = encode(contact_request(), source="/dunwell/scheduler")
    with pytest.raises(InvalidEvent, match="unexpected event type"):
        decode_loan_record(record.key, record.value, record.headers, no_avro)
