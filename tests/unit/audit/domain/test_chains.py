"""Completeness chains: each leaf links to its debtor's and its loan's previous leaf."""

from __future__ import annotations

from services.audit.domain.chains import ChainHeads, Links, LruIndex, link
from services.audit.domain.rows import LeafRow
from tests.support.audit import new_entry


class TestLink:
    def test_links_follow_the_latest_leaf_then_the_batch_itself(self) -> None:
        entries = [new_entry("a", "d1", "l1"), new_entry("b", "d2", "l1"), new_entry("c", "d1")]
        links = link(entries, 10, {"d1": 4}, {})
        assert links == [Links(4, None), Links(None, 10), Links(10, None)]

    def test_the_given_indexes_are_not_changed(self) -> None:
        last = {"d1": 4}
        link([new_entry("a", "d1")], 10, last, {})
        assert last == {"d1": 4}

    def test_an_entry_without_debtor_or_loan_links_nowhere(self) -> None:
        assert link([new_entry("a", None, None)], 0, {"d1": 1}, {"l1": 2}) == [Links(None, None)]


class TestChainHeads:
    def test_unseen_debtors_and_loans_are_looked_up_seen_ones_are_not(self) -> None:
        heads = ChainHeads()
        first = heads.lookup([new_entry("a", "d1", "l1")])
        assert (first.unknown_debtors, first.unknown_loans) == ({"d1"}, {"l1"})
        heads.remember([LeafRow(7, "a", "k", "d1", "l1", b"", b"")])
        second = heads.lookup([new_entry("b", "d1", "l2")])
        assert (second.by_debtor, second.by_loan) == ({"d1": 7}, {})
        assert (second.unknown_debtors, second.unknown_loans) == (set(), {"l2"})

    def test_the_least_recently_used_head_is_forgotten(self) -> None:
        index = LruIndex(2)
        index.put("a", 1)
        index.put("b", 2)
        assert index.get("a") == 1
        index.put("c", 3)
        assert (index.get("a"), index.get("b"), index.get("c")) == (1, None, 3)
