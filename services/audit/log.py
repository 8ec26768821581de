"""The evidence log: group-committed appends, sealed payloads, stored subtree hashes, proofs."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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


LAST_INDEX_CACHE = 200_000


class LruIndex:
    """A bounded map from debtor or loan to its latest leaf index."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, int] = OrderedDict()

    def get(self, key: str) -> int | None:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key: str, index: int) -> None:
        self._items[key] = index
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)


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
        # Latest leaf of each recently seen debtor and loan (the completeness chain's links),
        # so that a batch asks the store only about the ones it has not seen.
        self._last: LruIndex = LruIndex(LAST_INDEX_CACHE)

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
        self._last = LruIndex(LAST_INDEX_CACHE)

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
        by_debtor, by_loan = await self._last_indexes(entries)
        new_keys: dict[str, tuple[bytes, bytes]] = {}
        await self._load_keys({e.key_ref for e in entries} - self._keys.keys())
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
        wrapped = {ref: pair[1] for ref, pair in new_keys.items()}
        await self._store.append(AppendBatch(rows, added, codes, wrapped))
        self._keys.update({ref: pair[0] for ref, pair in new_keys.items()})
        self._size += len(rows)
        for row in rows:
            if row.debtor_id:
                self._last.put(f"d:{row.debtor_id}", row.index)
            if row.loan_id:
                self._last.put(f"l:{row.loan_id}", row.index)
        self._frontier = {n: nodes[n] for n in tree.covering_nodes(0, self._size)}
        return {row.event_id: row.index for row in rows}

    async def _leaf_row(
        self,
        entry: NewEntry,
        index: int,
        now: datetime,
        by_debtor: dict[str, int],
        by_loan: dict[str, int],
        new_keys: dict[str, tuple[bytes, bytes]],
    ) -> LeafRow:
        data_key = self._data_key(entry.key_ref, new_keys)
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
            now,
        )

    async def _last_indexes(
        self, entries: Sequence[NewEntry]
    ) -> tuple[dict[str, int], dict[str, int]]:
        debtors = {f"d:{e.debtor_id}": e.debtor_id for e in entries if e.debtor_id}
        loans = {f"l:{e.loan_id}": e.loan_id for e in entries if e.loan_id}
        cached = {k: v for k in (*debtors, *loans) if (v := self._last.get(k)) is not None}
        by_debtor, by_loan = await self._store.last_indexes(
            {d for k, d in debtors.items() if k not in cached},
            {lo for k, lo in loans.items() if k not in cached},
        )
        by_debtor.update({debtors[k]: v for k, v in cached.items() if k in debtors})
        by_loan.update({loans[k]: v for k, v in cached.items() if k in loans})
        return by_debtor, by_loan

    async def _load_keys(self, refs: set[str]) -> None:
        """Unwrap the batch's existing data keys with one query; an erased key seals no more."""
        for ref, wrapped in (await self._store.wrapped_keys(refs)).items():
            if wrapped is None:
                raise ContentErased(
                    f"the data key {ref} was erased; nothing more is sealed with it"
                )
            self._keys[ref] = sealing.unwrap_key(self._master, wrapped)

    def _data_key(self, ref: str, new_keys: dict[str, tuple[bytes, bytes]]) -> bytes:
        """The key for ``ref``; a new one is kept in ``new_keys`` (plain, wrapped) until the
        batch that stores its wrapped form is durable."""
        if ref in self._keys:
            return self._keys[ref]
        if ref not in new_keys:
            key = sealing.new_data_key()
            new_keys[ref] = (key, sealing.wrap_key(self._master, key))
        return new_keys[ref][0]

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

    async def erase_expired(self, now: datetime, retention: timedelta) -> list[str]:
        """Erase the keys of debtors with no entry within the retention period.

        :returns: the debtors whose content was erased.
        """
        expired = await self._store.inactive_debtors(now - retention)
        for debtor in expired:
            await self.erase(f"debtor:{debtor}", now)
        return expired

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
