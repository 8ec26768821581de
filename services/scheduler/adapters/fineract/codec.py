"""Avro single-object encoding as Fineract writes it: marker C3 01, fingerprint, Avro body."""

from __future__ import annotations

import io
from typing import Any, Final

import fastavro

from services.scheduler.adapters.fineract.schemas import (
    MESSAGE,
    by_fingerprint,
    fingerprint_of,
    parsed,
)
from shared.errors import InvalidEvent

MARKER: Final = b"\xc3\x01"
HEADER: Final = 10


def read_single_object(data: bytes, expected: str | None = None) -> tuple[str, dict[str, Any]]:
    """The schema name and record of one single-object encoded value."""
    if len(data) < HEADER or data[:2] != MARKER:
        raise InvalidEvent("not an Avro single-object record (missing the C3 01 marker)")
    name = by_fingerprint().get(data[2:HEADER])
    if name is None:
        raise InvalidEvent("unknown Avro writer schema fingerprint")
    if expected is not None and name != expected:
        raise InvalidEvent(f"expected {expected}, the record says {name}")
    try:
        record = fastavro.schemaless_reader(io.BytesIO(data[HEADER:]), parsed()[name], None)
    except (EOFError, ValueError, TypeError, IndexError, UnicodeDecodeError) as e:
        raise InvalidEvent(f"Avro body does not match {name}: {type(e).__name__}") from e
    if not isinstance(record, dict):
        raise InvalidEvent(f"{name} is not a record")
    return name, record


def write_single_object(name: str, record: dict[str, Any]) -> bytes:
    """Encode a record the way Fineract's BinaryMessageEncoder does."""
    body = io.BytesIO()
    fastavro.schemaless_writer(body, parsed()[name], record)
    return MARKER + fingerprint_of(name) + body.getvalue()


def read_message(value: bytes) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """The ``MessageV1`` envelope, the payload's schema name and the payload."""
    _, message = read_single_object(value, MESSAGE)
    payload_schema, payload = read_single_object(message["data"], message["dataschema"])
    return message, payload_schema, payload
