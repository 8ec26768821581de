"""One Fineract Kafka value to what it means for Dunwell: the adapter's entry point.

Dispatch, in order: a loan payload type Dunwell maps by name (:data:`.mapping.MAPPERS`); a loan
account snapshot (LoanAccountDataV1: opened, rescheduled, closed, written off); a client
(ClientDataV1: contact details); a bulk message (BulkMessagePayloadV1), unpacked into its items,
each translated as if sent alone. Any other valid Fineract event is acknowledged and ignored,
counted by its type; a value that is not valid Fineract raises :class:`InvalidEvent`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from services.scheduler.adapters.fineract.accounts import loan_events
from services.scheduler.adapters.fineract.clients import (
    CLIENT_TYPES,
    ClientDefaults,
    contact_details,
    protected_in,
)
from services.scheduler.adapters.fineract.codec import read_message, read_single_object
from services.scheduler.adapters.fineract.mapping import MAPPERS, base, loan_event
from services.scheduler.domain.translation import OTHER, Translated
from shared.errors import InvalidEvent
from shared.events import Event

Payload = dict[str, Any]
NS: Final = "org.apache.fineract.avro"
ACCOUNT: Final = f"{NS}.loan.v1.LoanAccountDataV1"
CLIENT: Final = f"{NS}.client.v1.ClientDataV1"
BULK: Final = f"{NS}.BulkMessagePayloadV1"
TYPES_FILE: Final = Path(__file__).resolve().parent / "event-types.txt"
DEFAULTS: Final = ClientDefaults()


@cache
def known_types() -> frozenset[str]:
    """Fineract's event types (MessageV1.type) at the version whose schemas Dunwell ships."""
    lines = TYPES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def label(event_type: str) -> str:
    """A bounded metric label: the type itself when Fineract ships it, else ``other``."""
    return event_type if event_type in known_types() else OTHER


def translate(
    value: bytes, key: bytes | None = None, defaults: ClientDefaults = DEFAULTS
) -> tuple[Translated, ...]:
    """What one Fineract Kafka value means: one :class:`Translated` per event it carries."""
    message, schema, payload = read_message(value)
    if schema == BULK:
        return tuple(_item(message, item, key, defaults) for item in payload["datas"])
    return (_one(message, schema, payload, key, defaults),)


def _item(
    envelope: Payload, item: Payload, key: bytes | None, defaults: ClientDefaults
) -> Translated:
    """A bulk item, translated as the message it would have been alone (its own idempotency key
    derived from the bulk's and the item's id)."""
    schema, payload = read_single_object(item["data"], item["dataschema"])
    message = {
        **envelope,
        "type": item["type"],
        "dataschema": schema,
        "idempotencyKey": f"{envelope['idempotencyKey']}/{item['id']}",
    }
    return _one(message, schema, payload, key, defaults)


def _one(
    message: Payload, schema: str, payload: Payload, key: bytes | None, defaults: ClientDefaults
) -> Translated:
    event_type = str(message["type"])
    try:
        events = _events(message, event_type, schema, payload, key, defaults)
    except (KeyError, TypeError, ValueError, ValidationError) as e:
        raise InvalidEvent(f"{label(event_type)}: payload does not map: {type(e).__name__}") from e
    dropped = protected_in(payload) if schema == CLIENT else 0
    return Translated(label(event_type), events, dropped)


def _events(
    message: Payload,
    event_type: str,
    schema: str,
    payload: Payload,
    key: bytes | None,
    defaults: ClientDefaults,
) -> tuple[Event, ...]:
    if event_type in MAPPERS:
        return (loan_event(message, payload, key),)
    if schema == ACCOUNT:
        return loan_events(base(message), event_type, payload)
    if schema == CLIENT and event_type in CLIENT_TYPES:
        return contact_details(base(message), payload, defaults)
    return ()
