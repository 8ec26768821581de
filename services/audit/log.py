"""The evidence log: group-committed appends, sealed payloads, stored subtree hashes, proofs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.audit import sealing, tree
from services.audit.domain import LeafData, NewEntry, decode_leaf, encode_leaf
from services.audit.merkle import EMPTY_ROOT, leaf_hash, node_hash
from services.audit.ports import AppendBatch, AuditStore, CodeRow, LeafRow
from services.audit.tree import Node


class ContentErased(Exception):
    """The entry's data key was erased after its retention period: only the proof remains."""


@dataclass(frozen=True)
class Opened:
    """A stored entry with its plaintext (None when erased)."""

    row: LeafRow
    leaf: LeafData | None  # None when the stored leaf data is not a valid leaf (tampered)
    plaintext: bytes | None
    salt: bytes | None
    tampered: bool = False


class EvidenceLog:
    """Appends entries in batches and answers proofs from O(log n) stored nodes.

    One writer per log: the frontier (the covering nodes of the whole tree) lives in memory and
    is reloaded after a conflicting append.
    """

    def __init__(self, store: AuditStore, master_key: bytes) -> None:
        self._store = store
        self._master = master_key
        self._lock = asyncio.Lock()
        self._keys: dict[str, bytes] = {}
        self._size = 0
        self._frontier: dict[Node, bytes] = {}

    @property
    def size(self) -> int:
        return self._size

    async def load(self) -> None:
        """Read the tree's size and frontier from the store."""
        size = await self._store.size()
        wanted = tree.covering_nodes(0, size)
        found = await self._store.nodes(wanted)
        if len(found) != len(wanted):
            raise RuntimeError("stored tree nodes are missing: run the self-check")
        self._size, self._frontier = size, found

    def root(self) -> bytes:
        """The root of the whole tree as it stands."""
        if self._size == 0:
            return EMPTY_ROOT
        return tree.fold([self._frontier[n] for n in tree.covering_nodes(0, self._size)])

    async def append(self, entries: Sequence[NewEntry], now: datetime | None = None) -> list[int]:
        """Append entries in one transaction; an event id already in the log is not added again.

        :returns: each entry's leaf index, in input order.
        """
        async with self._lock:
            try:
                return await self._append(entries, now or datetime.now(UTC))
            except Exception:
                await self.load()  # a failed or conflicting write: trust only the store
                raise

    async def _append(self, entries: Sequence[NewEntry], now: datetime) -> list[int]:
        known = await self._store.known_ids([e.event_id for e in entries])
        fresh: dict[str, NewEntry] = {}
        for entry in entries:
            if entry.event_id not in known:
                fresh.setdefault(entry.event_id, entry)
        if fresh:
            assigned = await self._write(list(fresh.values()), now)
            known.update(assigned)
        return [known[e.event_id] for e in entries]

    async def _write(self, entries: list[NewEntry], now: datetime) -> dict[str, int]:
        by_debtor, by_loan = await self._store.last_indexes(
            {e.debtor_id for e in entries if e.debtor_id}, {e.loan_id for e in entries if e.loan_id}
        )
        new_keys: dict[str, bytes] = {}
        rows: list[LeafRow] = []
        codes: list[CodeRow] = []
        nodes = dict(self._frontier)
        added: dict[Node, bytes] = {}
        for offset, entry in enumerate(entries):
            index = self._size + offset
            row = await self._leaf_row(entry, index, now, by_debtor, by_loan, new_keys)
            rows.append(row)
            if entry.notice is not None:
                codes.append(
                    CodeRow(
                        entry.notice.code,
                        index,
                        entry.occurred_at,
                        entry.notice.channel,
                        entry.notice.account_masked,
                    )
                )
            for node in tree.completed_by(index):
                digest = (
                    leaf_hash(row.leaf_data)
                    if node[0] == 0
                    else node_hash(
                        nodes[(node[0] - 1, node[1] * 2)], nodes[(node[0] - 1, node[1] * 2 + 1)]
                    )
                )
                nodes[node] = added[node] = digest
        await self._store.append(AppendBatch(rows, added, codes, new_keys))
        self._size += len(rows)
        self._frontier = {n: nodes[n] for n in tree.covering_nodes(0, self._size)}
        return {row.event_id: row.index for row in rows}

    async def _leaf_row(
        self,
        entry: NewEntry,
        index: int,
        now: datetime,
        by_debtor: dict[str, int],
        by_loan: dict[str, int],
        new_keys: dict[str, bytes],
    ) -> LeafRow:
        data_key = await self._data_key(entry.key_ref, new_keys)
        sealed = sealing.seal(data_key, entry.payload, associated=entry.event_id.encode())
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
            prev_for_debtor=by_debtor.get(entry.debtor_id) if entry.debtor_id else None,
            prev_for_loan=by_loan.get(entry.loan_id) if entry.loan_id else None,
        )
        if entry.debtor_id:
            by_debtor[entry.debtor_id] = index
        if entry.loan_id:
            by_loan[entry.loan_id] = index
        return LeafRow(
            index,
            entry.event_id,
            entry.kind,
            entry.debtor_id,
            entry.loan_id,
            encode_leaf(leaf),
            sealed.ciphertext,
        )

    async def _data_key(self, ref: str, new_keys: dict[str, bytes]) -> bytes:
        if ref in self._keys:
            return self._keys[ref]
        exists, wrapped = await self._store.wrapped_key(ref)
        if exists and wrapped is None:
            raise ContentErased(
                f"the data key {ref} was erased; nothing more may be sealed with it"
            )
        if wrapped is None:
            key = sealing.new_data_key()
            new_keys[ref] = sealing.wrap_key(self._master, key)
        else:
            key = sealing.unwrap_key(self._master, wrapped)
        self._keys[ref] = key
        return key

    async def open(self, rows: Sequence[LeafRow]) -> list[Opened]:
        """Decrypt stored entries (the caller logs the read)."""
        opened: list[Opened] = []
        for row in rows:
            try:
                leaf = decode_leaf(row.leaf_data)
            except ValueError:
                opened.append(Opened(row, None, None, None, tampered=True))
                continue
            _, wrapped = await self._store.wrapped_key(leaf.key_ref)
            if wrapped is None:
                opened.append(Opened(row, leaf, None, None))
                continue
            try:
                content = sealing.open_sealed(
                    sealing.unwrap_key(self._master, wrapped),
                    row.ciphertext,
                    associated=row.event_id.encode(),
                )
            except sealing.SealError:
                # Tampered bytes: export what is stored, so the verifier names the entry.
                opened.append(Opened(row, leaf, None, None, tampered=True))
                continue
            opened.append(Opened(row, leaf, content.plaintext, content.salt))
        return opened

    async def erase(self, key_ref: str, at: datetime) -> bool:
        """Erase a data key: its entries become unreadable, their proofs stay valid."""
        self._keys.pop(key_ref, None)
        return await self._store.erase_key(key_ref, at)

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        ranges = tree.inclusion_ranges(index, size)
        return tree.hashes_for(ranges, await self._store.nodes(tree.nodes_for(ranges)))

    async def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        ranges = tree.consistency_ranges(size1, size2)
        return tree.hashes_for(ranges, await self._store.nodes(tree.nodes_for(ranges)))

    async def root_at(self, size: int) -> bytes:
        """The root the tree had at ``size`` (from stored nodes)."""
        if size == 0:
            return EMPTY_ROOT
        wanted = tree.covering_nodes(0, size)
        found = await self._store.nodes(wanted)
        return tree.fold([found[n] for n in wanted])
