"""The audit service's storage port."""

from __future__ import annotations

from typing import Protocol

from services.audit.domain import NewEntry, StoredEntry


class AuditStore(Protocol):
    """Append-only, idempotent by event id, with dense indexes from 0."""

    async def append(self, entry: NewEntry) -> tuple[int, bool]:
        """Store ``entry``; returns its index and whether it is new (a redelivery is a no-op)."""
        ...

    async def entries(
        self, *, debtor_id: str | None = None, loan_id: str | None = None, limit: int = 100
    ) -> list[StoredEntry]:
        """Entries in index order, filtered by debtor or loan."""
        ...

    async def size(self) -> int:
        """How many entries the log holds."""
        ...
