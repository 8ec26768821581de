"""Core banking's customer records as Dunwell takes them: tolerant of what a core system adds.

A bank's core system sends more about a customer than the directory needs (Fineract's clients
carry gender, date of birth, office, staff …). Refusing such a record would leave the borrower
with no contact point at all, so for contact details: protected attributes are dropped (at any
depth, counted), other unknown top-level fields are ignored (counted), and the rest is validated
as strictly as ever. Pure: no I/O, the caller counts.

Most records are contact details exactly as the model has them. They are validated straight
from their bytes against the one model, which forbids unknown fields at every depth: one that
passes has nothing to leave out, and is the event the tolerant path would have made. Anything
else (an unknown or protected field, a bad value, another event, junk) goes the tolerant way,
which gives every verdict and reason as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import orjson
from pydantic import ValidationError

from shared.corebanking_events import ContactDetailsChanged
from shared.events import MAX_EVENT_BYTES, AnyEvent, decode, identified
from shared.protected import has_protected, strip_protected

CONTACT_DETAILS: Final = ContactDetailsChanged.model_fields["type"].default
#: The fields contact details may have (read once: pydantic's class attribute is slow to ask).
KNOWN_FIELDS: Final = frozenset(ContactDetailsChanged.model_fields)


@dataclass(frozen=True)
class Tolerated:
    """What was left out of a record before validation."""

    protected: int = 0
    unknown: int = 0


def decode_customer_event(
    value: bytes | None, headers: Sequence[tuple[str, bytes]]
) -> tuple[AnyEvent, Tolerated]:
    """Decode a customer-events record as :func:`shared.events.decode` does, but tolerant of
    extra fields in contact details; raises :class:`~shared.errors.InvalidEvent` as it does."""
    if value and len(value) <= MAX_EVENT_BYTES:
        try:
            event = ContactDetailsChanged.model_validate_json(value)
        except ValidationError:
            pass  # not contact details as the model has them: the tolerant path judges it
        else:
            return identified(event, headers), Tolerated()
    return tolerant_decode(value, headers)


def tolerant_decode(
    value: bytes | None, headers: Sequence[tuple[str, bytes]]
) -> tuple[AnyEvent, Tolerated]:
    """:func:`decode_customer_event` without its strict first try: the document parsed,
    judged and cleaned, then decoded."""
    document = _document(value)
    if not isinstance(document, dict) or document.get("type") != CONTACT_DETAILS:
        return decode(value, headers), Tolerated()
    if document.keys() <= KNOWN_FIELDS and not has_protected(document):
        return decode(value, headers), Tolerated()  # nothing to leave out: its own bytes
    kept, protected = strip_protected(document)
    cleaned = {key: item for key, item in kept.items() if key in KNOWN_FIELDS}
    unknown = len(kept) - len(cleaned)
    if not protected and not unknown:  # nothing left out: the record's own bytes, as they are
        return decode(value, headers), Tolerated()
    return decode(orjson.dumps(cleaned), headers), Tolerated(protected, unknown)


def _document(value: bytes | None) -> object:
    """The JSON document, or None where :func:`decode` must give the reason itself."""
    if not value or len(value) > MAX_EVENT_BYTES:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:  # (a ValueError, as for bad UTF-8)
        return None
