"""The rows the evidence log keeps: leaves, checkpoints, verification codes, append batches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from services.audit.domain.tree import Node


@dataclass(frozen=True)
class LeafRow:
    index: int
    event_id: str
    kind: str
    debtor_id: str | None
    loan_id: str | None
    leaf_data: bytes
    ciphertext: bytes
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    root: bytes
    note: str
    signed_at: datetime
    timestamp_token: bytes | None = None


CodeStatus = Literal["sent", "possibly_sent", "not_sent"]


@dataclass(frozen=True)
class CodeRow:
    code: str
    leaf_index: int
    sent_at: datetime
    channel: str
    account_masked: str | None
    #: ``sent`` (the provider took it), ``possibly_sent`` (a send that may have gone: the
    #: provider could not say yet), ``not_sent`` (it was asked later and had nothing).
    status: CodeStatus = "sent"


@dataclass(frozen=True)
class AppendBatch:
    """Everything one group commit writes, atomically."""

    leaves: Sequence[LeafRow]
    nodes: Mapping[Node, bytes]
    codes: Sequence[CodeRow] = ()
    new_keys: Mapping[str, bytes] = field(default_factory=dict)  # key_ref -> wrapped key
