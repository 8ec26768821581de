"""Building one group commit: sealed leaves, their tree nodes and verification codes. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.audit.domain import sealing, tree
from services.audit.domain.chains import Links
from services.audit.domain.entries import LeafData, NewEntry, encode_leaf
from services.audit.domain.merkle import leaf_hash
from services.audit.domain.rows import AppendBatch, LeafRow
from services.audit.domain.tree import Node
from services.audit.domain.verification import code_row


def leaf_row(entry: NewEntry, index: int, now: datetime, key: AESGCM, links: Links) -> LeafRow:
    """The stored row of an entry: its payload sealed with ``key`` (its data key's cipher), its
    leaf data canonical."""
    sealed = sealing.seal(key, entry.payload, associated=entry.event_id.encode())
    leaf = LeafData(
        index=index,
        event_id=entry.event_id,
        kind=entry.kind,
        topic=entry.topic,
        debtor_id=entry.debtor_id,
        loan_id=entry.loan_id,
        occurred_at=entry.occurred_at.astimezone(UTC).isoformat(),
        recorded_at=now.astimezone(UTC).isoformat(),
        key_ref=entry.key_ref,
        ciphertext_sha256=sealed.ciphertext_sha256,
        commitment=sealed.commitment,
        prev_for_debtor=links.prev_for_debtor,
        prev_for_loan=links.prev_for_loan,
    )
    data = encode_leaf(leaf)
    return LeafRow(
        index,
        entry.event_id,
        entry.kind,
        entry.debtor_id,
        entry.loan_id,
        data,
        sealed.ciphertext,
        now,
    )


def build_batch(
    entries: Sequence[NewEntry],
    *,
    size: int,
    frontier: Mapping[Node, bytes],
    now: datetime,
    keys: Mapping[str, AESGCM],
    links: Sequence[Links],
    new_keys: Mapping[str, bytes],
) -> tuple[AppendBatch, dict[Node, bytes]]:
    """The batch appending ``entries`` to the tree of ``size`` leaves, and the grown frontier.

    :param keys: the cipher of every entry's data key, by key reference.
    :param new_keys: the wrapped form of the keys created for this batch.
    """
    rows = [
        leaf_row(entry, index, now, keys[entry.key_ref], link)
        for index, (entry, link) in enumerate(zip(entries, links, strict=True), size)
    ]
    codes = [c for i, e in enumerate(entries, size) if (c := code_row(e, i)) is not None]
    added, grown = tree.extend(frontier, size, [leaf_hash(r.leaf_data) for r in rows])
    return AppendBatch(rows, added, codes, dict(new_keys)), grown
