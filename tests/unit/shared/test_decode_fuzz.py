"""Whatever arrives on a topic, decoding either yields a valid event or raises InvalidEvent with
a reason: never another exception, so a bad record is dead-lettered and never stops a consumer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import InvalidEvent
from shared.events import decode, encode
from shared.testing.factories import contact_details, contact_request, overdue

VALID = [encode(e, source="/fuzz") for e in (overdue(), contact_details("d1"), contact_request())]
header_names = st.sampled_from(
    ["ce_id", "ce_type", "ce_source", "ce_specversion", "ce_time", "content-type", "x-other"]
)
headers = st.lists(st.tuples(header_names, st.binary(max_size=80)), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def decoded_or_refused(value: bytes | None, record_headers: list[tuple[str, bytes]]) -> None:
    reason = ""
    try:
        decode(value, record_headers)
        reason = "accepted"
    except InvalidEvent as e:
        reason = str(e)  # the dead-letter header's reason
    assert reason


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.binary(max_size=2000), record_headers=headers)
def test_arbitrary_bytes_and_headers(value: bytes, record_headers: list[tuple[str, bytes]]) -> None:
    decoded_or_refused(value, record_headers)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.integers(0, len(VALID) - 1), field=st.text(max_size=20), junk=json_values)
def test_valid_envelopes_with_a_field_replaced_or_added(pick: int, field: str, junk: Any) -> None:
    record = VALID[pick]
    body = json.loads(record.value)
    target = field if field else next(iter(body))
    body[target] = junk
    decoded_or_refused(json.dumps(body).encode(), list(record.headers))


@settings(max_examples=200)
@given(pick=st.integers(0, len(VALID) - 1), cut=st.integers(0, 400))
def test_truncated_and_non_utf8_bodies(pick: int, cut: int) -> None:
    record = VALID[pick]
    decoded_or_refused(record.value[:cut], list(record.headers))
    decoded_or_refused(record.value[:cut] + b"\xff\xfe\xc3", list(record.headers))


def test_hand_written_bad_records_each_get_a_reason() -> None:
    record = VALID[0]
    body = json.loads(record.value)
    cases: list[bytes | None] = [
        None,
        b"",
        b"null",
        b"[]",
        b"\xff\xfe",
        json.dumps({**body, "type": "corebanking.unknown.v9"}).encode(),
        json.dumps({k: v for k, v in body.items() if k != "loan_id"}).encode(),
        json.dumps({**body, "amount_due": "a lot"}).encode(),
        json.dumps({**body, "days_past_due": -5}).encode(),
        json.dumps({**body, "padding": "x" * 2_000_000}).encode(),  # huge
    ]
    for value in cases:
        with pytest.raises(InvalidEvent, match=r".+"):
            decode(value, list(record.headers))
