"""The scheduler's input boundary: one record in, one typed loan event out.

Personal attributes a strategy must not see (gender, age, occupation, …) are dropped here, before
validation, so a core system that sends them changes nothing downstream. Fineract's Avro records
are recognised by their single-object marker and translated by the Fineract adapter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from services.scheduler.domain.planner import LOAN_INPUTS, LoanInput
from services.scheduler.domain.strategy import PROTECTED_PATTERN
from services.scheduler.metrics import PROTECTED_DROPPED
from services.scheduler.ports import TranslateAvro
from shared.errors import InvalidEvent
from shared.events import AnyEvent, BusinessDayClosed, Event, decode

AVRO_MARKER = b"\xc3\x01"


def strip_protected(document: Any) -> Any:
    """The document without any key that names a protected attribute (at any depth)."""
    if isinstance(document, dict):
        kept = {}
        for key, value in document.items():
            if PROTECTED_PATTERN.search(str(key)):
                PROTECTED_DROPPED.inc()
                continue
            kept[key] = strip_protected(value)
        return kept
    if isinstance(document, list):
        return [strip_protected(item) for item in document]
    return document


def decode_json(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> AnyEvent:
    """Our JSON events, protected attributes removed first."""
    if not value:
        raise InvalidEvent("empty record value")
    try:
        document = json.loads(value)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidEvent(f"body is not JSON: {type(e).__name__}") from e
    return decode(json.dumps(strip_protected(document)).encode(), headers)


def decode_loan_record(
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    avro: TranslateAvro,
) -> LoanInput | BusinessDayClosed | None:
    """The loan event a record carries; None for a Fineract event Dunwell does not use."""
    if value and value.startswith(AVRO_MARKER):
        event: Event | None = avro(value, key)
        if event is None:
            return None
    else:
        event = decode_json(value, headers)
    if not isinstance(event, (*LOAN_INPUTS, BusinessDayClosed)):
        kind = getattr(event, "type", type(event).__name__)
        raise InvalidEvent(f"unexpected event type {kind} on the loan-events topic")
    return event  # type: ignore[return-value]
