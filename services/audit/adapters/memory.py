"""In-memory audit store: a first-class adapter for unit and contract tests."""

from __future__ import annotations

from datetime import UTC, datetime

from services.audit.domain import NewEntry, StoredEntry


class InMemoryAuditStore:
    def __init__(self) -> None:
        self._rows: list[StoredEntry] = []
        self._by_id: dict[str, int] = {}

    async def append(self, entry: NewEntry) -> tuple[int, bool]:
        if entry.event_id in self._by_id:
            return self._by_id[entry.event_id], False
        index = len(self._rows)
        self._rows.append(StoredEntry(index=index, recorded_at=datetime.now(UTC), entry=entry))
        self._by_id[entry.event_id] = index
        return index, True

    async def entries(
        self, *, debtor_id: str | None = None, loan_id: str | None = None, limit: int = 100
    ) -> list[StoredEntry]:
        found = [
            row
            for row in self._rows
            if (debtor_id is None or row.entry.debtor_id == debtor_id)
            and (loan_id is None or row.entry.loan_id == loan_id)
        ]
        return found[:limit]

    async def size(self) -> int:
        return len(self._rows)
