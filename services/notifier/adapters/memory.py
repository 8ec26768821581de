"""In-memory ledger, directory and mailer: first-class adapters for unit tests."""

from __future__ import annotations

from datetime import datetime

from services.notifier.domain import ContactPoint, RenderedMessage
from services.notifier.ports import LedgerEntry, SendStatus


class InMemorySendLedger:
    def __init__(self) -> None:
        self.rows: dict[str, LedgerEntry] = {}

    async def claim(self, key: str, *, debtor_id: str, channel: str) -> tuple[LedgerEntry, bool]:
        if key in self.rows:
            return self.rows[key], False
        self.rows[key] = LedgerEntry(key, SendStatus.PENDING)
        return self.rows[key], True

    async def settle(
        self, key: str, status: SendStatus, provider_message_id: str | None = None
    ) -> None:
        self.rows[key] = LedgerEntry(key, status, provider_message_id)

    async def release(self, key: str) -> None:
        if key in self.rows and self.rows[key].status is SendStatus.PENDING:
            del self.rows[key]


class InMemoryContactDirectory:
    def __init__(self) -> None:
        self.contacts: dict[str, tuple[datetime, ContactPoint]] = {}

    async def upsert(self, contact: ContactPoint, *, as_of: datetime) -> None:
        current = self.contacts.get(contact.debtor_id)
        if current is None or current[0] < as_of:
            self.contacts[contact.debtor_id] = (as_of, contact)

    async def get(self, debtor_id: str) -> ContactPoint | None:
        found = self.contacts.get(debtor_id)
        return found[1] if found else None


class InMemoryMailer:
    """Keeps what it was asked to send; ``fail_with`` makes the next send raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, RenderedMessage, str]] = []
        self.fail_with: Exception | None = None

    async def send(self, to: str, message: RenderedMessage, *, message_id: str) -> str:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.sent.append((to, message, message_id))
        return message_id
