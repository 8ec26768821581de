"""The evidence log coordinator over the memory store: once per event id, on the log's clock,
reloaded from the store after a failed write."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from services.audit.adapters.memory import InMemoryAuditStore, SettableClock
from services.audit.domain import merkle
from services.audit.domain.entries import decode_leaf
from services.audit.domain.keyring import ContentErased
from services.audit.domain.rows import AppendBatch
from services.audit.handlers.evidence import EvidenceLog
from shared.errors import RetryableError
from tests.support.audit import new_entry

MASTER = b"k" * 32


async def open_log() -> tuple[EvidenceLog, InMemoryAuditStore, SettableClock]:
    store, clock = InMemoryAuditStore(), SettableClock()
    log = EvidenceLog(store, MASTER, clock)
    await log.load()
    return log, store, clock


async def test_entries_are_recorded_at_the_clocks_time() -> None:
    log, store, clock = await open_log()
    clock.at = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    await log.append([new_entry("a", "d1")])
    [row] = await store.leaves([0])
    assert row.recorded_at == clock.at
    assert decode_leaf(row.leaf_data).recorded_at == "2027-01-04T08:00:00+00:00"


async def test_an_event_id_is_appended_once_even_twice_in_one_batch() -> None:
    log, store, _ = await open_log()
    assert await log.append([new_entry("a", "d1"), new_entry("a", "d1")]) == [0, 0]
    assert await log.append([new_entry("b", "d1"), new_entry("a", "d1")]) == [1, 0]
    assert await store.size() == log.size == 2
    assert decode_leaf((await store.leaves([1]))[0].leaf_data).prev_for_debtor == 0


async def test_chains_and_keys_continue_across_batches_and_a_reopened_log() -> None:
    log, store, _ = await open_log()
    await log.append([new_entry("a", "d1", "l1"), new_entry("b", "d2", "l2")])
    await log.append([new_entry("c", "d1", "l2")])  # heads known: the store is not asked
    reopened = EvidenceLog(store, MASTER, SettableClock())
    await reopened.load()
    await reopened.append([new_entry("d", "d2", "l1"), new_entry("e", "d1", "l9")])
    leaves = [decode_leaf(r.leaf_data) for r in await store.leaves_between(0, 5)]
    assert [(x.prev_for_debtor, x.prev_for_loan) for x in leaves] == [
        (None, None),
        (None, None),
        (0, 1),
        (1, 0),  # from the store: the reopened log's heads are empty
        (2, None),
    ]
    opened = await reopened.open(await store.leaves([3, 4]))
    assert [o.plaintext for o in opened] == [b'{"kind": "message_sent"}'] * 2


async def test_the_root_is_the_rfc_root_of_the_leaves() -> None:
    log, store, _ = await open_log()
    for batch in ([new_entry(f"e{i}", "d1") for i in range(3)], [new_entry("x", None)]):
        await log.append(batch)
    rows = await store.leaves_between(0, 4)
    assert log.root() == merkle.root([merkle.leaf_hash(r.leaf_data) for r in rows])
    assert await log.root_at(4) == log.root()
    reopened = EvidenceLog(store, MASTER, SettableClock())
    await reopened.load()
    assert (reopened.size, reopened.root()) == (4, log.root())


async def test_an_erased_debtor_gets_no_new_content_and_the_log_reloads() -> None:
    log, store, clock = await open_log()
    await log.append([new_entry("a", "d1")])
    assert await log.erase("debtor:d1", clock.now())
    with pytest.raises(ContentErased):
        await log.append([new_entry("b", "d1")])
    assert log.size == 1
    [opened] = await log.open(await store.leaves([0]))
    assert (opened.plaintext, opened.tampered) == (None, False)


async def test_retention_erases_debtors_quiet_for_the_whole_period() -> None:
    log, _, clock = await open_log()
    await log.append([new_entry("a", "d1")])
    clock.at += timedelta(days=800)
    await log.append([new_entry("b", "d2")])
    assert await log.erase_expired(clock.now(), timedelta(days=730)) == ["d1"]


class FailingSecondWrite(InMemoryAuditStore):
    """A store whose second append fails, and that records the tree size the log reported
    while each append ran."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.log: EvidenceLog | None = None
        self.sizes_seen: list[int] = []

    async def append(self, batch: AppendBatch) -> None:
        self.writes += 1
        assert self.log is not None
        self.sizes_seen.append(self.log.size)
        await asyncio.sleep(0)  # the next part is sealed meanwhile
        if self.writes == 2:
            raise RetryableError("store went away", defer_s=0)
        await super().append(batch)


async def test_a_long_append_is_written_in_parts_and_the_log_holds_only_durable_ones() -> None:
    store = FailingSecondWrite()
    log = store.log = EvidenceLog(store, MASTER, SettableClock(), part=2)
    await log.load()
    entries = [new_entry(f"e{i}", f"d{i % 3}", "l1") for i in range(5)]
    with pytest.raises(RetryableError):
        await log.append(entries)
    assert store.sizes_seen == [0, 2]  # a checkpoint never signs a part still being written
    assert (log.size, await store.size()) == (2, 2)  # the first part is durable, the log reloaded
    assert await log.append(entries) == [0, 1, 2, 3, 4]  # the rest, no entry twice
    assert store.sizes_seen[2:] == [2, 4]
    leaves = [decode_leaf(r.leaf_data) for r in await store.leaves_between(0, 5)]
    assert [x.prev_for_loan for x in leaves] == [None, 0, 1, 2, 3]
    assert [x.prev_for_debtor for x in leaves] == [None, None, None, 0, 1]
    assert log.root() == merkle.root([merkle.leaf_hash(r.leaf_data) for r in store.rows.values()])
    opened = await log.open(await store.leaves_between(0, 5))
    assert [o.plaintext for o in opened] == [b'{"kind": "message_sent"}'] * 5  # every key stored
