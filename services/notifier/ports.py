"""The notifier's ports: mail out, the send ledger, the contact directory."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.notifier.domain import ContactPoint, RenderedMessage
from shared.errors import ServiceError


class DeliveryUncertain(ServiceError):
    """The provider may have accepted the message: never resend blindly, reconcile instead."""


class SendStatus(enum.StrEnum):
    """Where one (request, channel) send stands in the ledger."""

    PENDING = "pending"  # claimed; the provider may or may not have been called
    SENT = "sent"  # the provider accepted it
    UNCERTAIN = "uncertain"  # found pending after a crash; never blindly resent
    FAILED = "failed"  # the provider refused it permanently


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    status: SendStatus
    provider_message_id: str | None = None


class Mailer(Protocol):
    """Sends one email; returns the provider's message id."""

    async def send(self, to: str, message: RenderedMessage, *, message_id: str) -> str: ...


class SendLedger(Protocol):
    """One row per (request, channel), written before the provider is called."""

    async def claim(self, key: str, *, debtor_id: str, channel: str) -> tuple[LedgerEntry, bool]:
        """Create a PENDING row, or return the existing one; the flag says whether it is new."""
        ...

    async def settle(
        self, key: str, status: SendStatus, provider_message_id: str | None = None
    ) -> None:
        """Record what became of a claimed send."""
        ...

    async def release(self, key: str) -> None:
        """Drop a PENDING claim the provider certainly did not act on, so a retry may send."""
        ...


class ContactDirectory(Protocol):
    """The debtor's contact points, fed by core banking's customer events."""

    async def upsert(self, contact: ContactPoint, *, as_of: datetime) -> None: ...

    async def get(self, debtor_id: str) -> ContactPoint | None: ...
