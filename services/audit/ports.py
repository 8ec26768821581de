"""The audit service's ports: the evidence store, the witness, the time-stamper, the clock."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from services.audit.domain.rows import AppendBatch, CheckpointRow, CodeRow, LeafRow
from services.audit.domain.tree import Node


class AuditStore(Protocol):
    """Append-only storage of the evidence log (SQLite, PostgreSQL, memory)."""

    async def ping(self) -> bool:
        """Whether the store answers (readiness)."""
        ...

    async def size(self) -> int: ...

    async def append(self, batch: AppendBatch) -> None:
        """Write a batch atomically; :class:`~shared.errors.RetryableError` if its indexes or ids
        are taken (another writer), the caller reloads and retries."""
        ...

    async def known_ids(self, event_ids: Collection[str]) -> dict[str, int]: ...

    async def last_indexes(
        self, debtor_ids: Collection[str], loan_ids: Collection[str]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """The latest leaf index of each debtor and each loan (for completeness chains)."""
        ...

    async def nodes(self, keys: Collection[Node]) -> dict[Node, bytes]: ...

    async def leaves(self, indexes: Collection[int]) -> list[LeafRow]: ...

    async def leaves_between(self, start: int, end: int) -> list[LeafRow]: ...

    async def case_leaves(
        self, *, debtor_id: str | None, loan_id: str | None, limit: int, kind: str | None = None
    ) -> list[LeafRow]: ...

    async def add_checkpoint(self, checkpoint: CheckpointRow) -> None: ...

    async def checkpoints(self, *, latest_only: bool = False) -> list[CheckpointRow]: ...

    async def wrapped_key(self, key_ref: str) -> tuple[bool, bytes | None]:
        """Whether the key exists, and its wrapped bytes (None once erased)."""
        ...

    async def wrapped_keys(self, key_refs: Collection[str]) -> dict[str, bytes | None]:
        """The keys that exist among ``key_refs`` (None for an erased one)."""
        ...

    async def erase_key(self, key_ref: str, at: datetime) -> bool: ...

    async def inactive_debtors(self, before: datetime) -> list[str]:
        """Debtors whose latest entry was recorded before ``before`` and whose key is not erased."""
        ...

    async def find_code(self, code: str) -> CodeRow | None: ...


class Witness(Protocol):
    """Keeps the latest signed checkpoint where the log's own database cannot overwrite it."""

    async def latest(self) -> str | None: ...

    async def record(self, note: str) -> None: ...


class Timestamper(Protocol):
    """Obtains an RFC 3161 time-stamp token over some bytes."""

    async def stamp(self, data: bytes) -> bytes: ...


class Clock(Protocol):
    """The current time, aware and in UTC."""

    def now(self) -> datetime: ...
