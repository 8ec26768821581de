"""The direct check of CloudEvents headers against the CloudEvents SDK, side by side: on every
header set, Dunwell's verdict (the id and type, or a refusal) is the SDK's (for CloudEvents 1.0,
the only version Dunwell takes)."""

from __future__ import annotations

from collections.abc import Sequence

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import InvalidEvent
from shared.events import cloudevent_identity, encode
from shared.testing.factories import contact_details

Headers = Sequence[tuple[str, bytes]]
TIMES = st.sampled_from(
    [
        b"2026-03-01T08:00:00Z",
        b"2026-03-01T08:00:00.123456+08:00",
        b"2026-03-01T08:00:00-05:30",
        b"2026-02-30T08:00:00Z",
        b"2026-03-01T25:00:00Z",
        b"2026-03-01T08:00:00",
        b"2026-03-01 08:00:00Z",
        b"20260301T080000Z",
        b"",
        b"\xff",
    ]
)
VALUES = st.one_of(
    st.sampled_from(
        [b"evt-1", b"dunwell.x.v1", b"/dunwell/test", b"", b"\xff\xfe", "事件".encode()]
    ),
    st.binary(max_size=8),
)
NAMES = st.sampled_from(
    [
        "ce_id",
        "ce_type",
        "ce_source",
        "ce_specversion",
        "ce_time",
        "content-type",
        "ce_subject",
        "ce_dataschema",
        "CE_ID",
        "ce_traceparent",
        "x-other",
    ]
)


def sdk_verdict(headers: Headers) -> tuple[str, str] | None:
    """The SDK alone: (id, type), or None when it refuses (or a required header is missing)."""
    as_dict = {name.lower(): raw for name, raw in headers}
    if not {"ce_id", "ce_type", "ce_source", "ce_specversion"} <= as_dict.keys():
        return None
    try:
        event = from_binary(KafkaMessage(headers=as_dict, key=None, value=b""), JSONFormat())
    except Exception:
        return None  # any refusal is a refusal
    if not isinstance(event, CloudEvent):
        return None  # Dunwell takes CloudEvents 1.0 only
    return event.get_id(), event.get_type()


def ours(headers: Headers) -> tuple[str, str] | None:
    try:
        return cloudevent_identity(headers)
    except InvalidEvent:
        return None


def test_what_dunwell_writes_is_read_back() -> None:
    record = encode(contact_details("d1", mobile="+8613800000001"), source="/dunwell/test")
    assert ours(record.headers) == sdk_verdict(record.headers) is not None


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.tuples(NAMES, st.one_of(VALUES, TIMES, st.just(b"1.0"))), max_size=8),
    st.booleans(),
)
def test_any_header_set_gets_the_sdks_verdict(extra: list[tuple[str, bytes]], base: bool) -> None:
    headers: list[tuple[str, bytes]] = []
    if base:
        record = encode(contact_details("d1", mobile="+8613800000001"), source="/dunwell/test")
        headers.extend(record.headers)
    headers.extend(extra)
    assert ours(headers) == sdk_verdict(headers)


@settings(max_examples=300, deadline=None)
@given(TIMES, st.sampled_from([b"1.0", b"0.3", b"1.1", b""]), VALUES)
def test_times_versions_and_ids_get_the_sdks_verdict(
    time: bytes, version: bytes, ce_id: bytes
) -> None:
    headers = [
        ("ce_id", ce_id),
        ("ce_type", b"dunwell.x.v1"),
        ("ce_source", b"/dunwell/test"),
        ("ce_specversion", version),
        ("ce_time", time),
        ("content-type", b"application/json"),
    ]
    assert ours(headers) == sdk_verdict(headers)
