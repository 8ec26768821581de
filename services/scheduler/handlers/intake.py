"""The scheduler's input boundary: one record in, one typed loan event out.

Personal attributes a strategy must not see (gender, age, occupation, …) are dropped here, before
validation, so a core system that sends them changes nothing downstream. Fineract's Avro records
are recognised by their single-object marker and translated by the Fineract adapter: a record may
then carry several events (a bulk message), or none (a type Dunwell ignores, counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import orjson

from services.scheduler.domain.planner import LOAN_INPUTS, LoanInput
from services.scheduler.domain.translation import Translated
from services.scheduler.metrics import FINERACT_EVENTS, PROTECTED_DROPPED
from services.scheduler.ports import TranslateAvro
from shared.errors import InvalidEvent
from shared.events import AnyEvent, BusinessDayClosed, ContactDetailsChanged, Event, decode
from shared.protected import is_protected, strip_protected

AVRO_MARKER = b"\xc3\x01"


def decode_json(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> AnyEvent:
    """Our JSON events, protected attributes removed first.

    A record naming none (nearly all) is validated from its own bytes; one that does is
    written again without them (``strip_protected``), then validated.
    """
    if not value:
        raise InvalidEvent("empty record value")
    try:
        document = orjson.loads(value)
    except orjson.JSONDecodeError as e:
        raise InvalidEvent(f"body is not JSON: {type(e).__name__}") from e
    if not _names_protected(document):
        return decode(value, headers)
    kept, dropped = strip_protected(document)
    PROTECTED_DROPPED.inc(dropped)
    return decode(orjson.dumps(kept), headers)


#: Field names already judged: a book's records use the same few dozen names again and again.
_protected_name = lru_cache(maxsize=4096)(is_protected)


def _names_protected(document: Any) -> bool:
    """Whether any key of ``document``, at any depth, names a protected attribute (a walk
    without a call per value: a loan opening carries its whole schedule)."""
    nested = [document]
    while nested:
        node = nested.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if _protected_name(str(key)):
                    return True
                if isinstance(value, dict | list):
                    nested.append(value)
        elif isinstance(node, list):
            nested.extend(item for item in node if isinstance(item, dict | list))
    return False


#: What a loan-topic record may carry: loan events, the close of business, and (from a core
#: system's own format only) a client's contact details for the notifier's directory.
Intake = LoanInput | BusinessDayClosed | ContactDetailsChanged


def decode_loan_record(
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    avro: TranslateAvro,
) -> tuple[Intake, ...]:
    """The events a record carries, in order; none for a Fineract event Dunwell ignores."""
    if value and value.startswith(AVRO_MARKER):
        return _translated(avro(value, key))
    event: Event = decode_json(value, headers)
    if not isinstance(event, (*LOAN_INPUTS, BusinessDayClosed)):
        raise _unexpected(event)
    return (event,)  # type: ignore[return-value]


def _translated(translated: tuple[Translated, ...]) -> tuple[Intake, ...]:
    """A core system's events, counted by type and outcome (after the whole record read)."""
    events: list[Intake] = []
    for item in translated:
        for event in item.events:
            if not isinstance(event, (*LOAN_INPUTS, ContactDetailsChanged)):
                raise _unexpected(event)
            events.append(event)  # type: ignore[arg-type]
    for item in translated:
        FINERACT_EVENTS.labels(item.source_type, "ignored" if item.ignored else "mapped").inc()
        PROTECTED_DROPPED.inc(item.protected_dropped)
    return tuple(events)


def _unexpected(event: Event) -> InvalidEvent:
    kind = getattr(event, "type", type(event).__name__)
    return InvalidEvent(f"unexpected event type {kind} on the loan-events topic")
