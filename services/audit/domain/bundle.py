"""The evidence bundle document: a case's entries with proofs, checkpoint and keys. Pure."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from services.audit.domain.keys import PublishedKey
from services.audit.domain.opening import Opened
from services.audit.domain.rows import CheckpointRow

FORMAT: Final = "dunwell-evidence-bundle"
VERSION: Final = 1


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def entry_document(opened: Opened, proof: Sequence[bytes]) -> dict[str, Any]:
    """One entry of a bundle: what the leaf commits to, the content where readable, the proof."""
    return {
        "leaf_index": opened.row.index,
        "leaf_data": b64(opened.row.leaf_data),
        "ciphertext": b64(opened.row.ciphertext),
        "plaintext": b64(opened.plaintext) if opened.plaintext is not None else None,
        "salt": b64(opened.salt) if opened.salt is not None else None,
        "inclusion_proof": [b64(h) for h in proof],
    }


def witnessed_document(note: str, proof: Sequence[bytes]) -> dict[str, Any]:
    return {"note": note, "consistency_proof": [b64(h) for h in proof]}


def bundle_document(
    *,
    origin: str,
    exported_at: datetime,
    exported_by: str,
    case: tuple[str | None, str | None],
    checkpoint: CheckpointRow,
    witnessed: dict[str, Any] | None,
    keys: Sequence[PublishedKey],
    tsa_roots_pem: str | None,
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole bundle, in format :data:`VERSION`; ``case`` is (debtor id, loan id)."""
    token = checkpoint.timestamp_token
    return {
        "format": FORMAT,
        "version": VERSION,
        "origin": origin,
        "exported_at": exported_at.isoformat(),
        "exported_by": exported_by,
        "case": {"debtor_id": case[0], "loan_id": case[1]},
        "checkpoint": {"note": checkpoint.note, "timestamp_token": b64(token) if token else None},
        "witnessed": witnessed,
        "keys": [k.model_dump(mode="json") for k in keys],
        "tsa_roots": tsa_roots_pem,
        "entries": entries,
    }
