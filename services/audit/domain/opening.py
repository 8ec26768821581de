"""Opening stored entries: the plaintext back from a row, or why not (erased, tampered)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.audit.domain import sealing
from services.audit.domain.entries import LeafData, decode_leaf
from services.audit.domain.rows import LeafRow


@dataclass(frozen=True)
class Opened:
    """A stored entry with its plaintext (None when erased)."""

    row: LeafRow
    leaf: LeafData | None  # None when the stored leaf data is not a valid leaf (tampered)
    plaintext: bytes | None
    salt: bytes | None
    tampered: bool = False


def open_row(
    row: LeafRow, leaf: LeafData, wrapped: bytes | None, unwrap: Callable[[bytes], bytes]
) -> Opened:
    """Decrypt a row whose leaf data parsed; ``wrapped`` is its data key (None once erased)."""
    if wrapped is None:
        return Opened(row, leaf, None, None)
    try:
        content = sealing.open_sealed(
            unwrap(wrapped), row.ciphertext, associated=row.event_id.encode()
        )
    except sealing.SealError:
        # Tampered bytes: export what is stored, so the verifier names the entry.
        return Opened(row, leaf, None, None, tampered=True)
    return Opened(row, leaf, content.plaintext, content.salt)


def parse_row(row: LeafRow) -> LeafData | None:
    """The row's leaf data, or None when it is not a valid leaf (tampered)."""
    try:
        return decode_leaf(row.leaf_data)
    except ValueError:
        return None


def entry_json(opened: Opened) -> dict[str, Any]:
    """An entry as the auditor API shows it (plaintext decoded when it is JSON)."""
    content: Any = None
    if opened.plaintext is not None:
        try:
            content = json.loads(opened.plaintext)
        except ValueError:
            content = {"base64": base64.b64encode(opened.plaintext).decode()}
    leaf, row = opened.leaf, opened.row
    return {
        "index": row.index,
        "event_id": row.event_id,
        "kind": row.kind,
        "topic": leaf.topic if leaf else None,
        "debtor_id": row.debtor_id,
        "loan_id": row.loan_id,
        "occurred_at": leaf.occurred_at if leaf else None,
        "recorded_at": leaf.recorded_at if leaf else None,
        "tampered": opened.tampered,
        "erased": opened.plaintext is None and not opened.tampered,
        "content": content,
    }
