"""The notifier's domain model: the ledger, the directory, the gate's tickets and deferrals."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.notifier.domain.policy.scenario import Consent, Contact, GateChannel, Hold, Role
from services.notifier.domain.templates import Locale
from shared.errors import ServiceError
from shared.events import Channel, ContactDetailsChanged


class DeliveryUncertain(ServiceError):
    """The provider may have accepted the message: never resend blindly, reconcile instead."""


class SendLater(ServiceError):
    """The provider's quota is spent: send again from ``until`` (a deferral, not a failure)."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class SendStatus(enum.StrEnum):
    """Where one (request, channel) send stands in the ledger."""

    PENDING = "pending"  # claimed; the provider may or may not have been called
    SENT = "sent"  # the provider accepted it
    UNCERTAIN = "uncertain"  # may have reached the provider; reconcile, never resend blindly
    FAILED = "failed"  # the provider refused it for good
    BLOCKED = "blocked"  # the compliance gate refused it
    ESCALATED = "escalated"  # the compliance gate handed it to a human
    WITHDRAWN = "withdrawn"  # no longer true or wanted before it went out; never sent


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    status: SendStatus
    provider_message_id: str | None = None
    provider: str | None = None


@dataclass(frozen=True)
class DirectoryEntry:
    """How to reach one debtor, as the directory knows it (fed by core banking)."""

    debtor_id: str
    email: str | None = None
    mobile: str | None = None
    wechat_openid: str | None = None
    locale: Locale = "zh-CN"
    timezones: tuple[str, ...] = ("Asia/Shanghai",)
    role: Role = "debtor"
    provenance: str = "contract"
    consents: tuple[Consent, ...] = ()
    verified: bool = True

    def address(self, channel: Channel) -> str | None:
        return {"email": self.email, "sms": self.mobile, "wechat": self.wechat_openid}[channel]


def directory_entry(event: ContactDetailsChanged) -> DirectoryEntry:
    """How to reach the debtor, as the event says."""
    return DirectoryEntry(
        debtor_id=event.debtor_id,
        email=event.email,
        mobile=event.mobile,
        wechat_openid=event.wechat_openid,
        locale=event.locale,
        timezones=(event.timezone, *event.other_timezones),
        role=event.role,
        provenance=event.provenance,
        consents=tuple(
            Consent(channel=c.channel, until=c.until, evidence=c.evidence) for c in event.consents
        ),
        verified=event.verified,
    )


@dataclass(frozen=True)
class DirectoryUpdate:
    """One contact-details event for the directory: the entry, and the time it speaks for."""

    entry: DirectoryEntry
    as_of: datetime


def newest_per_debtor(updates: Sequence[DirectoryUpdate]) -> list[DirectoryUpdate]:
    """What a batch leaves in the directory, as if applied one by one: per debtor the newest
    update (an older one never overwrites a newer; of equals, the first stays), in batch order.
    """
    kept: dict[str, tuple[int, DirectoryUpdate]] = {}
    for position, update in enumerate(updates):
        held = kept.get(update.entry.debtor_id)
        if held is None or held[1].as_of < update.as_of:
            kept[update.entry.debtor_id] = (position, update)
    return [update for _, update in sorted(kept.values(), key=lambda item: item[0])]


@dataclass(frozen=True)
class GateFacts:
    """What the gate reads about a debtor, inside the reservation's transaction."""

    history: list[Contact]
    opt_outs: list[GateChannel]
    #: Contact points found not to reach the debtor (a wrong number): never used again.
    unusable: frozenset[str] = frozenset()
    #: Disputes and complaints open on the debtor's debts.
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True)
class GateTicket:
    """One (request, channel) send asking the gate for a slot."""

    key: str
    debtor_id: str
    debt_id: str
    channel: Channel
    contact_point: str  # a hash of the address, never the address itself
    at: datetime
    request: bytes = field(repr=False)  # the request, kept if the send is deferred
    episode: int = 1
    purpose: str = "overdue_notice"


#: Why a send waits without a gate decision: its contact point is not known yet.
HOLD_CONTACT_POINT = "contact_point"
#: A hold that ran out: blocked and recorded, parked until an operator re-drives it.
HOLD_EXPIRED = "expired"
#: The due time of a parked send: never, until it is re-driven.
PARKED = datetime(9999, 1, 1, tzinfo=UTC)
#: The due time of a released hold: before any clock's "now".
RELEASED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Deferral:
    """A send waiting in the database: for a permitted time (the gate deferred it) or, when
    ``hold`` is set, for what it needs (``held_since``: when it first had to wait)."""

    key: str
    channel: Channel
    due_at: datetime
    request: bytes = field(repr=False)
    hold: str | None = None
    held_since: datetime | None = None


@dataclass(frozen=True)
class SentMessage:
    """What the ledger knows of a send, found from a provider's callback."""

    key: str
    debtor_id: str
    loan_id: str | None
    channel: Channel
    status: SendStatus = SendStatus.SENT
    claimed_at: datetime | None = None


class AlreadyDecided(Exception):
    """Another worker claimed this send first; replay what the ledger says."""


Attempting = Callable[[str], Awaitable[None]]


async def no_record(provider: str) -> None:
    """An :data:`Attempting` hook that records nothing."""
