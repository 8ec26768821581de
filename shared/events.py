"""Dunwell's event models and the one place where they are encoded and decoded.

Events are frozen pydantic models. On Kafka they travel in CloudEvents 1.0 binary mode: the
attributes in ``ce_*`` headers, the model's JSON as the value. ``ce_id`` is the event id and
the idempotency key; ``ce_type`` names the model and its schema version.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Final, Literal

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from shared.errors import InvalidEvent

#: Namespace for deterministic event ids derived from natural keys (uuid5).
EVENT_ID_NAMESPACE: Final = uuid.UUID("9d1c0c2e-5a4b-4f0e-9a43-2f3d6c1b7e10")
#: A record larger than this is refused before parsing (bytes).
MAX_EVENT_BYTES: Final = 256 * 1024
CONTENT_TYPE: Final = "application/json"
REQUIRED_HEADERS: Final = ("ce_id", "ce_type", "ce_source", "ce_specversion")

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w.:|\-]+$")
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]
Channel = Literal["sms", "email", "wechat"]


def derived_event_id(*parts: str) -> str:
    """A deterministic event id for an event derived from others, so a replay yields the same id.

    :param parts: the natural key, e.g. loan id, episode and step.
    """
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, "|".join(parts)))


class Event(BaseModel):
    """Base of every event: identity, time, schema version. Never edited in place."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    event_id: Identifier
    occurred_at: AwareDatetime
    schema_version: Literal[1] = 1

    @abc.abstractmethod
    def partition_key(self) -> str:
        """The Kafka key: what must stay ordered together."""


class InstalmentFellOverdue(Event):
    """Core banking: an instalment was not paid in full by its due date."""

    type: Literal["corebanking.loan.instalment-overdue.v1"] = (
        "corebanking.loan.instalment-overdue.v1"
    )
    loan_id: Identifier
    debtor_id: Identifier
    account_number: Annotated[str, StringConstraints(pattern=r"^\d{6,34}$")]
    product: Identifier
    instalment_number: int = Field(ge=1)
    due_date: date
    amount_due: Money
    currency: Currency
    days_past_due: int = Field(ge=1, le=36500)

    def partition_key(self) -> str:
        return self.loan_id


class ContactDetailsChanged(Event):
    """Core banking: a customer's contact points changed (the notifier's directory input)."""

    type: Literal["corebanking.customer.contact-details-changed.v1"] = (
        "corebanking.customer.contact-details-changed.v1"
    )
    debtor_id: Identifier
    email: (
        Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
        | None
    ) = None
    mobile: Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")] | None = None
    locale: Literal["zh-CN", "en"] = "zh-CN"
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Asia/Shanghai"

    def partition_key(self) -> str:
        return self.debtor_id


class ContactRequested(Event):
    """Scheduler: a collection message is due for a debtor (no contact details, only references)."""

    type: Literal["dunwell.contact.requested.v1"] = "dunwell.contact.requested.v1"
    loan_id: Identifier
    debtor_id: Identifier
    episode: int = Field(ge=1)
    step: Identifier
    template_id: Identifier
    channels: tuple[Channel, ...] = Field(min_length=1)
    account_masked: Annotated[str, StringConstraints(pattern=r"^\*{4}\d{4}$")]
    amount_due: Money
    currency: Currency
    due_date: date
    days_past_due: int = Field(ge=0)
    pay_by: date

    def partition_key(self) -> str:
        return self.debtor_id


InteractionKind = Literal[
    "message_sent",  # the provider accepted the message
    "send_blocked",  # the compliance gate or a missing contact point stopped it
    "send_uncertain",  # a previous attempt may have reached the provider; not resent
    "send_failed",  # the provider refused it for good
]


class InteractionRecorded(Event):
    """Notifier: something happened between Dunwell and a borrower; evidence for the audit log."""

    type: Literal["dunwell.interaction.recorded.v1"] = "dunwell.interaction.recorded.v1"
    debtor_id: Identifier
    loan_id: Identifier | None = None
    request_id: Identifier | None = None
    channel: Channel
    kind: InteractionKind
    provider: Identifier | None = None
    provider_message_id: Annotated[str, StringConstraints(max_length=256)] | None = None
    verification_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{8}$")] | None = None
    #: What the borrower saw of the account, so the verification page can show it.
    account_masked: Annotated[str, StringConstraints(pattern=r"^\*{4}\d{4}$")] | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None

    def partition_key(self) -> str:
        return self.debtor_id


AnyEvent = Annotated[
    InstalmentFellOverdue | ContactDetailsChanged | ContactRequested | InteractionRecorded,
    Field(discriminator="type"),
]
_ADAPTER: Final[TypeAdapter[AnyEvent]] = TypeAdapter(AnyEvent)
_FORMAT: Final = JSONFormat()


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
    attributes = _cloudevent_attributes(headers)
    try:
        event = _ADAPTER.validate_json(value)
    except ValidationError as e:
        raise InvalidEvent(_summarise(e)) from e
    if attributes.get_id() != event.event_id or attributes.get_type() != event.type:
        raise InvalidEvent("ce_id/ce_type headers do not match the event body")
    return event


def _cloudevent_attributes(headers: Sequence[tuple[str, bytes]]) -> CloudEvent:
    as_dict = {name.lower(): raw for name, raw in headers}
    missing = [name for name in REQUIRED_HEADERS if name not in as_dict]
    if missing:
        raise InvalidEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    try:
        attributes = from_binary(KafkaMessage(headers=as_dict, key=None, value=b""), _FORMAT)
    except (BaseCloudEventException, UnicodeDecodeError, ValueError) as e:
        raise InvalidEvent(f"invalid CloudEvents headers: {type(e).__name__}") from e
    if not isinstance(attributes, CloudEvent):
        raise InvalidEvent("unsupported CloudEvents specversion")
    return attributes


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
    "AnyEvent",
    "Channel",
    "ContactDetailsChanged",
    "ContactRequested",
    "Event",
    "InstalmentFellOverdue",
    "InteractionRecorded",
    "KafkaRecord",
    "decode",
    "derived_event_id",
    "encode",
    "parse_event",
]
