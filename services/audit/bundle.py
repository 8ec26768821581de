"""Evidence bundles: a case's entries with proofs, checkpoint and keys, verifiable offline."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from services.audit.checkpoint import VerifierKey, open_note
from services.audit.log import EvidenceLog, Opened
from services.audit.ports import AuditStore, CheckpointRow
from services.audit.settings import PublishedKey
from services.audit.witness import Witness

FORMAT: Final = "dunwell-evidence-bundle"
VERSION: Final = 1
CASE_LIMIT: Final = 100_000


class NothingToExport(Exception):
    """The case has no entries covered by a checkpoint yet."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _entry(opened: Opened, proof: Sequence[bytes]) -> dict[str, Any]:
    return {
        "leaf_index": opened.row.index,
        "leaf_data": b64(opened.row.leaf_data),
        "ciphertext": b64(opened.row.ciphertext),
        "plaintext": b64(opened.plaintext) if opened.plaintext is not None else None,
        "salt": b64(opened.salt) if opened.salt is not None else None,
        "inclusion_proof": [b64(h) for h in proof],
    }


async def build_bundle(
    log_: EvidenceLog,
    store: AuditStore,
    *,
    debtor_id: str | None,
    loan_id: str | None,
    origin: str,
    keys: Sequence[PublishedKey],
    trusted: Sequence[VerifierKey],
    witness: Witness | None,
    tsa_roots_pem: str | None,
    exported_by: str,
) -> tuple[dict[str, Any], list[int]]:
    """The bundle of a case (by debtor or loan) and the leaf indexes whose plaintext it holds."""
    latest = await store.checkpoints(latest_only=True)
    if not latest:
        raise NothingToExport("no checkpoint has been signed yet")
    checkpoint: CheckpointRow = latest[0]
    rows = [
        r
        for r in await store.case_leaves(debtor_id=debtor_id, loan_id=loan_id, limit=CASE_LIMIT)
        if r.index < checkpoint.size
    ]
    if not rows:
        raise NothingToExport("no checkpointed entries for this case")
    opened = await log_.open(rows)
    entries = [_entry(o, await log_.inclusion_proof(o.row.index, checkpoint.size)) for o in opened]
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "origin": origin,
        "exported_at": datetime.now(UTC).isoformat(),
        "exported_by": exported_by,
        "case": {"debtor_id": debtor_id, "loan_id": loan_id},
        "checkpoint": {
            "note": checkpoint.note,
            "timestamp_token": b64(checkpoint.timestamp_token)
            if checkpoint.timestamp_token
            else None,
        },
        "witnessed": await _witnessed(log_, witness, trusted, checkpoint),
        "keys": [k.model_dump(mode="json") for k in keys],
        "tsa_roots": tsa_roots_pem,
        "entries": entries,
    }
    return document, [o.row.index for o in opened if o.plaintext is not None]


async def _witnessed(
    log_: EvidenceLog,
    witness: Witness | None,
    trusted: Sequence[VerifierKey],
    checkpoint: CheckpointRow,
) -> dict[str, Any] | None:
    note = await witness.latest() if witness else None
    if note is None:
        return None
    seen = open_note(note, trusted)
    proof: list[bytes] = []
    if 0 < seen.size < checkpoint.size:
        proof = await log_.consistency_proof(seen.size, checkpoint.size)
    return {"note": note, "consistency_proof": [b64(h) for h in proof]}
