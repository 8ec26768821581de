"""In memory: the evidence store, a witness and a settable clock, first-class for tests."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from services.audit.domain.rows import AppendBatch, CheckpointRow, CodeRow, LeafRow
from services.audit.domain.tree import Node
from services.audit.domain.verification import current
from shared.errors import RetryableError


class InMemoryAuditStore:
    """:class:`~services.audit.ports.AuditStore` in dictionaries."""

    def __init__(self) -> None:
        self.rows: dict[int, LeafRow] = {}
        self.tree: dict[Node, bytes] = {}
        self.saved: dict[int, CheckpointRow] = {}
        self.keys: dict[str, bytes | None] = {}
        self.codes: dict[str, list[CodeRow]] = {}

    async def ping(self) -> bool:
        return True

    async def size(self) -> int:
        return max(self.rows, default=-1) + 1

    async def append(self, batch: AppendBatch) -> None:
        ids = {row.event_id for row in self.rows.values()}
        clash = (
            any(r.index in self.rows or r.event_id in ids for r in batch.leaves)
            or any(n in self.tree for n in batch.nodes)
            or any(k in self.keys for k in batch.new_keys)
        )
        if clash:
            raise RetryableError("append conflicted with another writer", defer_s=0.1)
        self.keys.update(batch.new_keys)
        self.rows.update({r.index: r for r in batch.leaves})
        self.tree.update(batch.nodes)
        for code in batch.codes:
            self.codes.setdefault(code.code, []).append(code)

    async def known_ids(self, event_ids: Collection[str]) -> dict[str, int]:
        wanted = set(event_ids)
        return {r.event_id: r.index for r in self.rows.values() if r.event_id in wanted}

    async def last_indexes(
        self, debtor_ids: Collection[str], loan_ids: Collection[str]
    ) -> tuple[dict[str, int], dict[str, int]]:
        debtors, loans = set(debtor_ids), set(loan_ids)
        by_debtor: dict[str, int] = {}
        by_loan: dict[str, int] = {}
        for index in sorted(self.rows):
            row = self.rows[index]
            if row.debtor_id in debtors:
                by_debtor[row.debtor_id] = index
            if row.loan_id in loans:
                by_loan[row.loan_id] = index
        return by_debtor, by_loan

    async def nodes(self, keys: Collection[Node]) -> dict[Node, bytes]:
        return {k: self.tree[k] for k in keys if k in self.tree}

    async def leaves(self, indexes: Collection[int]) -> list[LeafRow]:
        return [self.rows[i] for i in sorted(set(indexes)) if i in self.rows]

    async def leaves_between(self, start: int, end: int) -> list[LeafRow]:
        return [self.rows[i] for i in sorted(self.rows) if start <= i < end]

    async def case_leaves(
        self, *, debtor_id: str | None, loan_id: str | None, limit: int, kind: str | None = None
    ) -> list[LeafRow]:
        found = [
            self.rows[i]
            for i in sorted(self.rows)
            if (debtor_id is None or self.rows[i].debtor_id == debtor_id)
            and (loan_id is None or self.rows[i].loan_id == loan_id)
            and (kind is None or self.rows[i].kind == kind)
        ]
        return found[:limit]

    async def add_checkpoint(self, checkpoint: CheckpointRow) -> None:
        if checkpoint.size in self.saved:
            raise RetryableError("a checkpoint of this size exists already")
        self.saved[checkpoint.size] = checkpoint

    async def checkpoints(self, *, latest_only: bool = False) -> list[CheckpointRow]:
        ordered = [self.saved[s] for s in sorted(self.saved)]
        return ordered[-1:] if latest_only else ordered

    async def wrapped_key(self, key_ref: str) -> tuple[bool, bytes | None]:
        return key_ref in self.keys, self.keys.get(key_ref)

    async def wrapped_keys(self, key_refs: Collection[str]) -> dict[str, bytes | None]:
        return {k: self.keys[k] for k in key_refs if k in self.keys}

    async def erase_key(self, key_ref: str, at: datetime) -> bool:
        if self.keys.get(key_ref) is None:
            return False
        self.keys[key_ref] = None
        return True

    async def inactive_debtors(self, before: datetime) -> list[str]:
        latest: dict[str, datetime] = {}
        for row in self.rows.values():
            if row.debtor_id and row.recorded_at:
                latest[row.debtor_id] = max(
                    row.recorded_at, latest.get(row.debtor_id, row.recorded_at)
                )
        return sorted(
            d
            for d, at in latest.items()
            if at < before and self.keys.get(f"debtor:{d}", b"") is not None
        )

    async def find_code(self, code: str) -> CodeRow | None:
        return current(self.codes.get(code, []))


class InMemoryWitness:
    """:class:`~services.audit.ports.Witness` holding the latest note in memory."""

    def __init__(self, note: str | None = None) -> None:
        self.note = note

    async def latest(self) -> str | None:
        return self.note

    async def record(self, note: str) -> None:
        self.note = note


class SettableClock:
    """:class:`~services.audit.ports.Clock` that stands still until it is set or advanced."""

    def __init__(self, now: datetime | None = None) -> None:
        self.at = now or datetime(2026, 3, 4, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at
