"""One group commit, built purely: sealed rows, their tree nodes, codes and new keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from services.audit.domain import merkle, sealing, tree
from services.audit.domain.chains import Links
from services.audit.domain.entries import decode_leaf
from services.audit.domain.leaves import build_batch
from tests.support.audit import new_entry, sent_message

NOW = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
KEY = sealing.new_data_key()


def test_a_batch_seals_links_and_hashes_its_entries() -> None:
    entries = [new_entry("a", "d1", "l1"), sent_message()]
    links = [Links(None, None), Links(0, 0)]
    batch, frontier = build_batch(
        entries,
        size=0,
        frontier={},
        now=NOW,
        keys={"debtor:d1": sealing.cipher(KEY)},
        links=links,
        new_keys={"debtor:d1": b"wrapped"},
    )
    assert [r.index for r in batch.leaves] == [0, 1]
    assert all(r.recorded_at == NOW for r in batch.leaves)
    second = decode_leaf(batch.leaves[1].leaf_data)
    assert (second.prev_for_debtor, second.prev_for_loan) == (0, 0)
    assert second.recorded_at == NOW.isoformat()
    opened = sealing.open_sealed(KEY, batch.leaves[1].ciphertext, associated=b"e1")
    assert opened.plaintext == b"{}"
    hashes = [merkle.leaf_hash(r.leaf_data) for r in batch.leaves]
    assert set(batch.nodes) == {(0, 0), (0, 1), (1, 0)}
    assert tree.fold([frontier[n] for n in tree.covering_nodes(0, 2)]) == merkle.root(hashes)
    assert [(c.code, c.leaf_index) for c in batch.codes] == [("ABCD2345", 1)]
    assert batch.new_keys == {"debtor:d1": b"wrapped"}


def test_a_batch_continues_the_tree_it_extends() -> None:
    first, frontier = build_batch(
        [new_entry("a", "d1")],
        size=0,
        frontier={},
        now=NOW,
        keys={"debtor:d1": sealing.cipher(KEY)},
        links=[Links(None, None)],
        new_keys={},
    )
    second, _ = build_batch(
        [new_entry("b", "d1")],
        size=1,
        frontier=frontier,
        now=NOW,
        keys={"debtor:d1": sealing.cipher(KEY)},
        links=[Links(0, None)],
        new_keys={},
    )
    assert second.leaves[0].index == 1
    assert set(second.nodes) == {(0, 1), (1, 0)}
    assert first.codes == second.codes == []


def test_each_leaf_holds_its_times_in_utc_whatever_zone_they_came_in() -> None:
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2026, 3, 4, 17, 0, tzinfo=shanghai)
    entries = [
        replace(new_entry("a", "d1"), occurred_at=at),
        replace(new_entry("b", "d1"), occurred_at=at.astimezone(UTC)),  # the same instant
        replace(new_entry("c", "d1"), occurred_at=at + timedelta(microseconds=5)),
    ]
    batch, _ = build_batch(
        entries,
        size=0,
        frontier={},
        now=NOW.astimezone(shanghai),
        keys={"debtor:d1": sealing.cipher(KEY)},
        links=[Links(None, None), Links(0, None), Links(1, None)],
        new_keys={},
    )
    leaves = [decode_leaf(r.leaf_data) for r in batch.leaves]  # canonical, or it raises
    assert [leaf.occurred_at for leaf in leaves] == [
        "2026-03-04T09:00:00+00:00",
        "2026-03-04T09:00:00+00:00",
        "2026-03-04T09:00:00.000005+00:00",
    ]
    assert {leaf.recorded_at for leaf in leaves} == {"2026-03-04T09:30:00+00:00"}
    assert [leaf.event_id for leaf in leaves] == ["a", "b", "c"]
