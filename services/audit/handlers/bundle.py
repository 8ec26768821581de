"""Exporting evidence bundles: a case's checkpointed entries, verifiable offline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from services.audit.domain.bundle import bundle_document, entry_document, witnessed_document
from services.audit.domain.checkpoint import open_note
from services.audit.domain.keys import KeyHistory
from services.audit.domain.rows import CheckpointRow, LeafRow
from services.audit.handlers.evidence import EvidenceLog
from services.audit.ports import AuditStore, Witness

CASE_LIMIT: Final = 100_000


class NothingToExport(Exception):
    """The case has no entries covered by a checkpoint yet."""


@dataclass(frozen=True)
class BundleExport:
    """What an export reads: the log, its store, its identity, keys, witness and TSA roots."""

    log: EvidenceLog
    store: AuditStore
    origin: str
    keys: KeyHistory
    witness: Witness | None
    tsa_roots_pem: str | None

    async def export(
        self, *, debtor_id: str | None, loan_id: str | None, exported_by: str
    ) -> tuple[dict[str, Any], list[int]]:
        """The bundle of a case (by debtor or loan) and the leaf indexes whose plaintext it
        holds; :class:`NothingToExport` before a checkpoint covers any of its entries."""
        latest = await self.store.checkpoints(latest_only=True)
        if not latest:
            raise NothingToExport("no checkpoint has been signed yet")
        checkpoint = latest[0]
        opened = await self.log.open(await self._case_rows(checkpoint, debtor_id, loan_id))
        entries = [
            entry_document(o, await self.log.inclusion_proof(o.row.index, checkpoint.size))
            for o in opened
        ]
        document = bundle_document(
            origin=self.origin,
            exported_at=self.log.clock.now(),
            exported_by=exported_by,
            case=(debtor_id, loan_id),
            checkpoint=checkpoint,
            witnessed=await self._witnessed(checkpoint),
            keys=self.keys.published,
            tsa_roots_pem=self.tsa_roots_pem,
            entries=entries,
        )
        return document, [o.row.index for o in opened if o.plaintext is not None]

    async def _case_rows(
        self, checkpoint: CheckpointRow, debtor_id: str | None, loan_id: str | None
    ) -> list[LeafRow]:
        rows = await self.store.case_leaves(debtor_id=debtor_id, loan_id=loan_id, limit=CASE_LIMIT)
        covered = [r for r in rows if r.index < checkpoint.size]
        if not covered:
            raise NothingToExport("no checkpointed entries for this case")
        return covered

    async def _witnessed(self, checkpoint: CheckpointRow) -> dict[str, Any] | None:
        note = await self.witness.latest() if self.witness else None
        if note is None:
            return None
        seen = open_note(note, self.keys.trusted)
        proof: list[bytes] = []
        if 0 < seen.size < checkpoint.size:
            proof = await self.log.consistency_proof(seen.size, checkpoint.size)
        return witnessed_document(note, proof)
