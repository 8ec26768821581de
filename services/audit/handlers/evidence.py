"""The evidence log: group-committed appends of sealed entries, and proofs from stored nodes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from services.audit.domain import chains, tree
from services.audit.domain.chains import ChainHeads
from services.audit.domain.entries import NewEntry, unseen
from services.audit.domain.keyring import KeyRing, NewKeys
from services.audit.domain.leaves import build_batch
from services.audit.domain.merkle import EMPTY_ROOT
from services.audit.domain.opening import Opened, open_row, parse_row
from services.audit.domain.rows import AppendBatch, LeafRow
from services.audit.domain.tree import Node
from services.audit.ports import AuditStore, Clock

#: Entries per append transaction (a poll's entries are written in parts of this size).
APPEND_PART: Final = 500


class EvidenceLog:
    """Appends entries in batches and answers proofs from O(log n) stored nodes.

    One writer per log: the frontier (the covering nodes of the whole tree) lives in memory and
    is reloaded after a conflicting append. :attr:`size` and :meth:`root` are the durable tree
    (what a checkpoint may sign); a part being written is not in them until it is.
    """

    def __init__(
        self, store: AuditStore, master_key: bytes, clock: Clock, *, part: int = APPEND_PART
    ) -> None:
        """:param part: entries per transaction; a longer append is written part by part, the
        next part sealed while the previous one's transaction runs."""
        self._store, self._clock, self._part = store, clock, part
        self._lock = asyncio.Lock()
        self._stale = False
        self._ring = KeyRing(master_key)
        self._size = 0
        self._frontier: dict[Node, bytes] = {}
        self._heads = ChainHeads()

    @property
    def size(self) -> int:
        return self._size

    @property
    def clock(self) -> Clock:
        return self._clock

    async def load(self) -> None:
        """Read the tree's size and frontier from the store."""
        size = await self._store.size()
        wanted = tree.covering_nodes(0, size)
        found = await self._store.nodes(wanted)
        if len(found) != len(wanted):
            raise RuntimeError("stored tree nodes are missing: run the self-check")
        self._size, self._frontier, self._heads = size, found, ChainHeads()
        self._stale = False

    def root(self) -> bytes:
        """The root of the whole tree as it stands."""
        if self._size == 0:
            return EMPTY_ROOT
        return tree.fold([self._frontier[n] for n in tree.covering_nodes(0, self._size)])

    async def append(self, entries: Sequence[NewEntry], now: datetime | None = None) -> list[int]:
        """Append entries, durably, in transactions of ``part`` entries; an event id already in
        the log is not added again.

        :returns: each entry's leaf index, in input order.
        """
        async with self._lock:
            try:
                if self._stale:  # an append was cancelled mid-way: trust only the store
                    await self.load()
                known = await self._store.known_ids([e.event_id for e in entries])
                fresh = unseen(entries, known)
                if fresh:
                    known |= await self._write(fresh, now or self._clock.now())
                return [known[e.event_id] for e in entries]
            except Exception:
                await self.load()  # a failed or conflicting write: trust only the store
                raise
            except BaseException:
                self._stale = True
                raise

    async def _write(self, entries: list[NewEntry], now: datetime) -> dict[str, int]:
        """Seal part after part; each part's transaction runs while the next one is sealed, and
        one starts only when the one before it is durable. On any failure the parts' new keys
        are dropped (the durable ones are read back when needed) and the caller reloads."""
        size, frontier, issued = self._size, self._frontier, []
        writing: asyncio.Task[None] | None = None
        try:
            for start in range(0, len(entries), self._part):
                batch, new, frontier = await self._seal(
                    entries[start : start + self._part], size, frontier, now
                )
                issued.append(new)
                size += len(batch.leaves)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(self._durable(batch, size, frontier))
            if writing is not None:
                await writing
        except BaseException:
            if writing is not None and not writing.done():
                await asyncio.wait([writing])
            for new in issued:
                self._ring.drop(new)
            raise
        return {e.event_id: index for index, e in enumerate(entries, size - len(entries))}

    async def _seal(
        self, entries: Sequence[NewEntry], size: int, frontier: dict[Node, bytes], now: datetime
    ) -> tuple[AppendBatch, NewKeys, dict[Node, bytes]]:
        """One part's rows, appended after ``size`` leaves; the chain heads and keys take it in
        at once (the next part links to it and seals with its keys)."""
        latest = self._heads.lookup(entries)
        by_debtor, by_loan = latest.by_debtor, latest.by_loan
        if latest.unknown_debtors or latest.unknown_loans:  # only what the heads do not know
            stored = await self._store.last_indexes(latest.unknown_debtors, latest.unknown_loans)
            by_debtor, by_loan = stored[0] | by_debtor, stored[1] | by_loan
        links = chains.link(entries, size, by_debtor, by_loan)
        refs = {e.key_ref for e in entries}
        if missing := self._ring.missing(refs):
            self._ring.learn(await self._store.wrapped_keys(missing))
        new = self._ring.issue(refs)
        batch, grown = build_batch(
            entries,
            size=size,
            frontier=frontier,
            now=now,
            keys=self._ring.keys_for(new),
            links=links,
            new_keys=new.wrapped,
        )
        self._ring.keep(new)
        self._heads.remember(batch.leaves)
        return batch, new, grown

    async def _durable(self, batch: AppendBatch, size: int, frontier: dict[Node, bytes]) -> None:
        """Write one part; once it is durable the tree is ``size`` leaves with ``frontier``."""
        await self._store.append(batch)
        self._size, self._frontier = size, frontier

    async def open(self, rows: Sequence[LeafRow]) -> list[Opened]:
        """Decrypt stored entries (the caller logs the read)."""
        opened: list[Opened] = []
        for row in rows:
            leaf = parse_row(row)
            if leaf is None:
                opened.append(Opened(row, None, None, None, tampered=True))
                continue
            _, wrapped = await self._store.wrapped_key(leaf.key_ref)
            opened.append(open_row(row, leaf, wrapped, self._ring.unwrap))
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
        self._ring.forget(key_ref)
        return await self._store.erase_key(key_ref, at)

    async def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return await self._hashes(tree.inclusion_ranges(index, size))

    async def consistency_proof(self, size1: int, size2: int) -> list[bytes]:
        return await self._hashes(tree.consistency_ranges(size1, size2))

    async def root_at(self, size: int) -> bytes:
        """The root the tree had at ``size`` (from stored nodes)."""
        return (await self._hashes([(0, size)]))[0] if size else EMPTY_ROOT

    async def _hashes(self, ranges: list[tree.Range]) -> list[bytes]:
        """The hashes of subtrees, from the stored nodes that tile them (one read)."""
        return tree.hashes_for(ranges, await self._store.nodes(tree.nodes_for(ranges)))
