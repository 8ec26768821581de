"""The input boundary: protected attributes dropped before validation, Avro handed to the
core system's translator, anything else refused."""

from __future__ import annotations

import json

import pytest
from prometheus_client import REGISTRY

from services.scheduler.domain.translation import Translated
from services.scheduler.handlers.intake import decode_loan_record
from shared.errors import InvalidEvent
from shared.events import encode
from shared.testing.factories import contact_request, overdue


def no_avro(value: bytes, key: bytes | None) -> tuple[Translated, ...]:
    raise AssertionError("not an Avro record")


def test_protected_attributes_are_dropped_at_any_depth_and_counted() -> None:
    before = REGISTRY.get_sample_value("scheduler_protected_fields_dropped_total") or 0.0
    event = overdue()
    record = encode(event, source="/corebanking")
    body = {**json.loads(record.value), "gender": "F", "dateOfBirth": "1980-01-01"}
    decoded = decode_loan_record(record.key, json.dumps(body).encode(), record.headers, no_avro)
    assert decoded == (event,)
    assert REGISTRY.get_sample_value("scheduler_protected_fields_dropped_total") == before + 2


def test_our_json_events_decode_without_their_protected_attributes() -> None:
    event = overdue()
    record = encode(event, source="/corebanking")
    body = {**json.loads(record.value), "gender": "M"}
    decoded = decode_loan_record(record.key, json.dumps(body).encode(), record.headers, no_avro)
    assert decoded == (event,)


def test_avro_goes_to_the_translator_with_the_key_and_is_counted_by_type() -> None:
    seen: list[tuple[bytes, bytes | None]] = []
    labels = {"type": "LoanProductCreateBusinessEvent", "outcome": "ignored"}
    before = REGISTRY.get_sample_value("scheduler_fineract_events_total", labels) or 0.0

    def translate(value: bytes, key: bytes | None) -> tuple[Translated, ...]:
        seen.append((value, key))
        return (Translated("LoanProductCreateBusinessEvent"),)

    assert decode_loan_record(b"k", b"\xc3\x01rest", [], translate) == ()
    assert seen == [(b"\xc3\x01rest", b"k")]
    assert REGISTRY.get_sample_value("scheduler_fineract_events_total", labels) == before + 1


def test_a_translated_event_of_another_topic_is_invalid_here() -> None:
    def translate(value: bytes, key: bytes | None) -> tuple[Translated, ...]:
        return (Translated("LoanDisbursalBusinessEvent", (contact_request(),)),)

    with pytest.raises(InvalidEvent, match="unexpected event type"):
        decode_loan_record(b"k", b"\xc3\x01rest", [], translate)


@pytest.mark.parametrize("value", [None, b"", b"{not json"])
def test_empty_or_unreadable_values_are_invalid(value: bytes | None) -> None:
    with pytest.raises(InvalidEvent):
        decode_loan_record(b"k", value, [], no_avro)


def test_an_event_of_another_topic_is_invalid_here() -> None:
    record = encode(contact_request(), source="/dunwell/scheduler")
    with pytest.raises(InvalidEvent, match="unexpected event type"):
        decode_loan_record(record.key, record.value, record.headers, no_avro)
