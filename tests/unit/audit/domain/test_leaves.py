"""One group commit, built purely: sealed rows, their tree nodes, codes and new keys."""

from __future__ import annotations

from datetime import UTC, datetime

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
