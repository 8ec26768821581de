"""Dunwell's event models and the one place where they are encoded and decoded.

Events are frozen pydantic models. On Kafka they travel in CloudEvents 1.0 binary mode: the
attributes in ``ce_*`` headers, the model's JSON as the value. ``ce_id`` is the event id and
the idempotency key; ``ce_type`` names the model and its schema version.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final, TypeVar

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import Field, TypeAdapter, ValidationError

from shared.case_events import (
    CallReported,
    CallTaskOpened,
    DisputeOpened,
    DisputeResolved,
    ResolveDispute,
)
from shared.corebanking_events import (
    BusinessDayClosed,
    ChargeApplied,
    ContactDetailsChanged,
    DelinquencyPaused,
    DelinquencyResumed,
    InstalmentDue,
    InstalmentFellOverdue,
    LoanClosed,
    LoanEvent,
    LoanOpened,
    LoanRescheduled,
    LoanWrittenOff,
    RepaymentPosted,
    ScheduledInstalment,
)
from shared.dunwell_events import (
    AgentTaskOpened,
    ApplyCaseAction,
    BorrowerReplied,
    CaseAction,
    ContactRequested,
    ContactWithdrawn,
    DebtorTaskOpened,
    DebtStatement,
    DelinquencyRangeChanged,
    InteractionKind,
    InteractionRecorded,
    PlanInstalment,
    PromiseToPayResolved,
    ReplyIntent,
)
from shared.errors import InvalidEvent
from shared.eventbase import (
    Channel,
    ContactChannel,
    Currency,
    Event,
    Identifier,
    Money,
    derived_event_id,
)
from shared.review_events import ApplyReviewDecision, ReviewQueue, ReviewVerdict
from shared.visit_events import VisitCancelled, VisitOutcomeRecorded, VisitProposed
from shared.visit_slot import VisitSlot

#: A record larger than this is refused before parsing (bytes).
MAX_EVENT_BYTES: Final = 256 * 1024
CONTENT_TYPE: Final = "application/json"
REQUIRED_HEADERS: Final = ("ce_id", "ce_type", "ce_source", "ce_specversion")

CoreBankingEvent = LoanEvent | ContactDetailsChanged | BusinessDayClosed
DunwellEvent = (
    ContactRequested
    | ContactWithdrawn
    | InteractionRecorded
    | DelinquencyRangeChanged
    | AgentTaskOpened
    | PromiseToPayResolved
    | BorrowerReplied
    | ApplyCaseAction
    | DebtorTaskOpened
    | ApplyReviewDecision
    | CallTaskOpened
    | CallReported
    | DisputeOpened
    | DisputeResolved
    | ResolveDispute
    | VisitProposed
    | VisitCancelled
    | VisitOutcomeRecorded
)
AnyEvent = Annotated[CoreBankingEvent | DunwellEvent, Field(discriminator="type")]
_ADAPTER: Final[TypeAdapter[AnyEvent]] = TypeAdapter(AnyEvent)
_FORMAT: Final = JSONFormat()
E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on the wire: key, value and headers of one Kafka record."""

    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def encode(event: Event, *, source: str) -> KafkaRecord:
    """Encode an event as a CloudEvents binary-mode Kafka record.

    :param event: the event to publish.
    :param source: the CloudEvents ``source`` (the producing service, e.g. ``/dunwell/scheduler``).
    """
    attributes = {
        "id": event.event_id,
        "type": getattr(event, "type"),  # noqa: B009 - every concrete event has a Literal type
        "source": source,
        "specversion": "1.0",
        "time": event.occurred_at,
        "datacontenttype": CONTENT_TYPE,
    }
    message = to_binary(
        CloudEvent(attributes, event.model_dump_json().encode()),
        _FORMAT,
        key_mapper=lambda _: event.partition_key().encode(),
    )
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return KafkaRecord(key=key, value=message.value, headers=tuple(message.headers.items()))


def decode(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> AnyEvent:
    """Decode one Kafka record into its event, or raise :class:`InvalidEvent` with the reason.

    :param value: the record's value.
    :param headers: the record's headers (CloudEvents binary mode).
    """
    if value is None or not value:
        raise InvalidEvent("empty record value")
    if len(value) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"record value of {len(value)} bytes exceeds {MAX_EVENT_BYTES}")
    ce_id, ce_type = cloudevent_identity(headers)
    try:
        event = _ADAPTER.validate_json(value)
    except ValidationError as e:
        raise InvalidEvent(_summarise(e)) from e
    return _named(event, ce_id, ce_type)


def identified(event: E, headers: Sequence[tuple[str, bytes]]) -> E:
    """An event already validated from a record's value, once its CloudEvents headers are
    checked as :func:`decode` checks them (valid, naming this event); raises
    :class:`InvalidEvent` with :func:`decode`'s reasons."""
    return _named(event, *cloudevent_identity(headers))


def _named(event: E, ce_id: str, ce_type: str) -> E:
    if ce_id != event.event_id or ce_type != getattr(event, "type"):  # noqa: B009
        raise InvalidEvent("ce_id/ce_type headers do not match the event body")
    return event


def cloudevent_identity(headers: Sequence[tuple[str, bytes]]) -> tuple[str, str]:
    """The ``ce_id`` and ``ce_type`` of valid CloudEvents binary-mode headers.

    Headers exactly as Dunwell writes them are checked here directly (about a third of a
    record's decoding went to the SDK's general parsing); anything else is parsed by the
    CloudEvents SDK, whose verdict stands. What the direct check takes, the SDK takes too (a
    test holds the two side by side).

    :raises InvalidEvent: headers missing or not valid CloudEvents 1.0.
    """
    as_dict = {name.lower(): raw for name, raw in headers}
    missing = [name for name in REQUIRED_HEADERS if name not in as_dict]
    if missing:
        raise InvalidEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    plain = _plain_attributes(as_dict)
    if plain is not None:
        return plain
    try:
        attributes = from_binary(KafkaMessage(headers=as_dict, key=None, value=b""), _FORMAT)
    except (BaseCloudEventException, UnicodeDecodeError, ValueError) as e:
        raise InvalidEvent(f"invalid CloudEvents headers: {type(e).__name__}") from e
    if not isinstance(attributes, CloudEvent):
        raise InvalidEvent("unsupported CloudEvents specversion")
    return attributes.get_id(), attributes.get_type()


_PLAIN_HEADERS: Final = frozenset({*REQUIRED_HEADERS, "ce_time", "content-type"})
_RFC3339: Final = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")


def _plain_attributes(headers: dict[str, bytes]) -> tuple[str, str] | None:
    """``(id, type)`` of headers shaped as :func:`encode` writes them, all valid; None for
    anything else (then the SDK decides)."""
    if not headers.keys() <= _PLAIN_HEADERS or headers["ce_specversion"] != b"1.0":
        return None
    time = headers.get("ce_time")
    if time is not None and _RFC3339.fullmatch(time) is None:
        return None
    try:
        ce_id, ce_type, source = (headers[n].decode() for n in ("ce_id", "ce_type", "ce_source"))
        content_type = headers.get("content-type", b"-").decode()
        if time is not None:
            datetime.fromisoformat(time.decode().replace("Z", "+00:00"))
    except ValueError:  # (UnicodeDecodeError is one)
        return None
    return (ce_id, ce_type) if ce_id and ce_type and source and content_type else None


def _summarise(error: ValidationError) -> str:
    """A reason without input values: they may carry personal data."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['type']}" for e in error.errors()[:5]
    ]
    return "schema: " + "; ".join(parts)


def parse_event(data: bytes) -> AnyEvent:
    """Validate an event from its JSON body alone (HTTP input, files).

    :param data: the JSON document.
    """
    try:
        return _ADAPTER.validate_json(data)
    except ValidationError as e:
        raise InvalidEvent(_summarise(e)) from e


__all__ = [
    "AgentTaskOpened",
    "AnyEvent",
    "ApplyCaseAction",
    "ApplyReviewDecision",
    "BorrowerReplied",
    "BusinessDayClosed",
    "CallReported",
    "CallTaskOpened",
    "CaseAction",
    "Channel",
    "ChargeApplied",
    "ContactChannel",
    "ContactDetailsChanged",
    "ContactRequested",
    "ContactWithdrawn",
    "Currency",
    "DebtStatement",
    "DebtorTaskOpened",
    "DelinquencyPaused",
    "DelinquencyRangeChanged",
    "DelinquencyResumed",
    "DisputeOpened",
    "DisputeResolved",
    "Event",
    "Identifier",
    "InstalmentDue",
    "InstalmentFellOverdue",
    "InteractionKind",
    "InteractionRecorded",
    "KafkaRecord",
    "LoanClosed",
    "LoanEvent",
    "LoanOpened",
    "LoanRescheduled",
    "LoanWrittenOff",
    "Money",
    "PlanInstalment",
    "PromiseToPayResolved",
    "RepaymentPosted",
    "ReplyIntent",
    "ResolveDispute",
    "ReviewQueue",
    "ReviewVerdict",
    "ScheduledInstalment",
    "VisitCancelled",
    "VisitOutcomeRecorded",
    "VisitProposed",
    "VisitSlot",
    "decode",
    "derived_event_id",
    "encode",
    "identified",
    "parse_event",
]
