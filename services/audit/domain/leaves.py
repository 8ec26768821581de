"""Building one group commit: sealed leaves, their tree nodes and verification codes. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.audit.domain import sealing, tree
from services.audit.domain.chains import Links
from services.audit.domain.entries import NewEntry, leaf_bytes
from services.audit.domain.merkle import leaf_hash
from services.audit.domain.rows import AppendBatch, LeafRow
from services.audit.domain.tree import Node
from services.audit.domain.verification import code_row


def leaf_row(
    entry: NewEntry,
    index: int,
    now: datetime,
    key: AESGCM,
    links: Links,
    times: dict[datetime, str] | None = None,
) -> LeafRow:
    """The stored row of an entry: its payload sealed with ``key`` (its data key's cipher), its
    leaf data canonical; ``times`` keeps each time's UTC text across a batch's rows (they share
    the recording time, often the time they occurred)."""
    times = {} if times is None else times
    sealed = sealing.seal(key, entry.payload, associated=entry.event_id.encode())
    data = leaf_bytes(
        index=index,
        event_id=entry.event_id,
        kind=entry.kind,
        topic=entry.topic,
        debtor_id=entry.debtor_id,
        loan_id=entry.loan_id,
        occurred_at=_utc_text(entry.occurred_at, times),
        recorded_at=_utc_text(now, times),
        key_ref=entry.key_ref,
        ciphertext_sha256=sealed.ciphertext_sha256,
        commitment=sealed.commitment,
        prev_for_debtor=links.prev_for_debtor,
        prev_for_loan=links.prev_for_loan,
    )
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


def _utc_text(at: datetime, known: dict[datetime, str]) -> str:
    """``at`` in UTC as ISO 8601 text (equal times, the same instant, give the same text)."""
    text = known.get(at)
    if text is None:
        text = known[at] = at.astimezone(UTC).isoformat()
    return text


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
    times: dict[datetime, str] = {}
    rows = [
        leaf_row(entry, index, now, keys[entry.key_ref], link, times)
        for index, (entry, link) in enumerate(zip(entries, links, strict=True), size)
    ]
    codes = [c for i, e in enumerate(entries, size) if (c := code_row(e, i)) is not None]
    added, grown = tree.extend(frontier, size, [leaf_hash(r.leaf_data) for r in rows])
    return AppendBatch(rows, added, codes, dict(new_keys)), grown
