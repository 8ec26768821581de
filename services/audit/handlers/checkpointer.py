"""Signing checkpoints: never one that contradicts an earlier or a witnessed checkpoint."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from services.audit.domain import merkle
from services.audit.domain.checkpoint import Checkpoint, Signer, VerifierKey, open_note, sign
from services.audit.domain.rows import CheckpointRow
from services.audit.handlers.evidence import EvidenceLog
from services.audit.metrics import (
    CHECKPOINT_LAG,
    CHECKPOINT_SIZE,
    CHECKPOINT_TIMESTAMP,
    LOG_SIZE,
    TREE_INCONSISTENT,
)
from services.audit.ports import AuditStore, Timestamper, Witness
from shared.errors import RetryableError

log = logging.getLogger(__name__)


class TreeInconsistent(Exception):
    """The stored tree contradicts a checkpoint: tampering or a restored older database.

    :param first_bad_index: the first leaf index that cannot be trusted, where known.
    """

    def __init__(self, message: str, first_bad_index: int | None = None) -> None:
        super().__init__(message)
        self.first_bad_index = first_bad_index


async def check_against(log_: EvidenceLog, earlier: Checkpoint, size: int, root: bytes) -> None:
    """Raise :class:`TreeInconsistent` unless the tree of ``size``/``root`` extends ``earlier``."""
    if earlier.size > size:
        raise TreeInconsistent(
            f"log rolled back: it holds {size} entries, a checkpoint covered {earlier.size}",
            first_bad_index=size,
        )
    try:
        if earlier.size == size:
            merkle.verify_consistency(size, size, earlier.root, root, [])
        else:
            proof = await log_.consistency_proof(earlier.size, size)
            merkle.verify_consistency(earlier.size, size, earlier.root, root, proof)
    except ValueError as e:
        raise TreeInconsistent(
            f"tree is not an extension of the checkpoint of size {earlier.size}: {e}"
        ) from e


class Checkpointer:
    """Signs a checkpoint every interval or every N entries, after checking consistency."""

    def __init__(
        self,
        log_: EvidenceLog,
        store: AuditStore,
        signer: Signer,
        origin: str,
        witness: Witness,
        trusted: Sequence[VerifierKey],
        timestamper: Timestamper | None = None,
    ) -> None:
        self._log, self._store, self._signer = log_, store, signer
        self._origin, self._witness, self._trusted = origin, witness, trusted
        self._timestamper = timestamper
        self._last = time.monotonic()

    async def checkpoint(self) -> CheckpointRow | None:
        """Sign the current tree if it grew; :class:`TreeInconsistent` if it must not be signed."""
        size, root = self._log.size, self._log.root()
        LOG_SIZE.set(size)
        latest = await self._store.checkpoints(latest_only=True)
        if latest:
            CHECKPOINT_LAG.set(size - latest[0].size)
        if size == 0 or (latest and latest[0].size == size):
            return None
        if latest:
            await check_against(
                self._log, Checkpoint(self._origin, latest[0].size, latest[0].root), size, root
            )
        witnessed = await self._witness.latest()
        if witnessed is not None:
            await check_against(self._log, open_note(witnessed, self._trusted), size, root)
        row = await self._sign(Checkpoint(self._origin, size, root))
        TREE_INCONSISTENT.set(0)
        return row

    async def _sign(self, checkpoint: Checkpoint) -> CheckpointRow:
        note = sign(checkpoint, self._signer.name, self._signer.private)
        token = None
        if self._timestamper is not None:
            try:
                token = await self._timestamper.stamp(checkpoint.body().encode())
            except RetryableError as e:
                log.warning("checkpoint signed without a time-stamp token", extra={"error": str(e)})
        row = CheckpointRow(checkpoint.size, checkpoint.root, note, self._log.clock.now(), token)
        await self._store.add_checkpoint(row)
        await self._witness.record(note)
        CHECKPOINT_SIZE.set(row.size)
        CHECKPOINT_TIMESTAMP.set(row.signed_at.timestamp())
        CHECKPOINT_LAG.set(self._log.size - row.size)
        return row

    async def tick(self, interval_s: float, every: int) -> None:
        """Checkpoint when ``interval_s`` seconds have passed since the last one, or sooner once
        ``every`` entries are waiting. A refusal is logged and raised no further (the tree must
        be repaired first); :class:`~shared.errors.RetryableError` defers to the next tick."""
        try:
            latest = await self._store.checkpoints(latest_only=True)
            waiting = self._log.size - (latest[0].size if latest else 0)
            if waiting <= 0 or (waiting < every and time.monotonic() - self._last < interval_s):
                return
            self._last = time.monotonic()
            await self.checkpoint()
        except TreeInconsistent as e:
            TREE_INCONSISTENT.set(1)
            log.error("refusing to sign: %s", e, extra={"first_bad_index": e.first_bad_index})
