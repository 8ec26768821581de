"""Stored subtree hashes: extending the tree, roots and proofs from O(log n) nodes, all checked
against the RFC 9162 functions of :mod:`services.audit.domain.merkle`."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.domain import merkle, tree
from services.audit.domain.tree import Node


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def grow(batches: Sequence[int]) -> tuple[dict[Node, bytes], dict[Node, bytes], list[bytes]]:
    """Extend an empty tree batch by batch: every stored node, the last frontier, the leaves."""
    stored: dict[Node, bytes] = {}
    frontier: dict[Node, bytes] = {}
    hashes: list[bytes] = []
    for count in batches:
        batch = leaves(len(hashes) + count)[len(hashes) :]
        added, frontier = tree.extend(frontier, len(hashes), batch)
        assert not stored.keys() & added.keys(), "a node is never written twice"
        stored.update(added)
        hashes.extend(batch)
    return stored, frontier, hashes


BATCHES = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12)


class TestExtend:
    @given(BATCHES)
    def test_the_frontier_folds_to_the_rfc_root(self, batches: list[int]) -> None:
        _, frontier, hashes = grow(batches)
        size = len(hashes)
        assert set(frontier) == set(tree.covering_nodes(0, size))
        folded = tree.fold([frontier[n] for n in tree.covering_nodes(0, size)]) if size else None
        assert folded == (merkle.root(hashes) if size else None)

    @given(BATCHES)
    def test_every_stored_node_is_the_rfc_hash_of_its_subtree(self, batches: list[int]) -> None:
        stored, _, hashes = grow(batches)
        for (level, index), digest in stored.items():
            assert digest == merkle.root(hashes[index << level : (index + 1) << level])

    @given(BATCHES)
    def test_exactly_the_complete_subtrees_are_stored(self, batches: list[int]) -> None:
        stored, _, hashes = grow(batches)
        complete = {
            (level, index)
            for level in range(len(hashes).bit_length())
            for index in range(len(hashes) >> level)
        }
        assert set(stored) == complete

    @given(BATCHES)
    def test_batches_do_not_change_the_nodes(self, batches: list[int]) -> None:
        stored, frontier, _ = grow(batches)
        assert grow([sum(batches)])[:2] == (stored, frontier)

    def test_nothing_to_append_changes_nothing(self) -> None:
        _, frontier, hashes = grow([5])
        assert tree.extend(frontier, len(hashes), []) == ({}, frontier)

    def test_the_input_frontier_is_left_alone(self) -> None:
        _, frontier, hashes = grow([3])
        before = dict(frontier)
        tree.extend(frontier, len(hashes), leaves(4)[3:])
        assert frontier == before


class TestProofsFromStoredNodes:
    @given(
        st.integers(min_value=1, max_value=300).flatmap(
            lambda n: st.tuples(st.just(n), st.integers(min_value=0, max_value=n - 1))
        )
    )
    def test_inclusion_proofs_equal_the_rfc_path(self, case: tuple[int, int]) -> None:
        size, index = case
        stored, _, hashes = grow([size])
        ranges = tree.inclusion_ranges(index, size)
        assert tree.hashes_for(ranges, stored) == merkle.inclusion_proof(hashes, index)

    @given(
        st.integers(min_value=1, max_value=300).flatmap(
            lambda n: st.tuples(st.integers(min_value=1, max_value=n), st.just(n))
        )
    )
    def test_consistency_proofs_equal_the_rfc_proof(self, case: tuple[int, int]) -> None:
        size1, size2 = case
        stored, _, hashes = grow([size2])
        ranges = tree.consistency_ranges(size1, size2)
        assert tree.hashes_for(ranges, stored) == merkle.consistency_proof(hashes, size1)

    def test_a_proof_reads_only_logarithmically_many_nodes(self) -> None:
        ranges = tree.inclusion_ranges(777, 1000)
        assert len(tree.nodes_for(ranges)) <= 2 * (1000).bit_length()

    @pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (0, 0)])
    def test_an_index_outside_the_tree_is_refused(self, index: int, size: int) -> None:
        with pytest.raises(ValueError, match="outside"):
            tree.inclusion_ranges(index, size)

    def test_consistency_needs_ordered_positive_sizes(self) -> None:
        with pytest.raises(ValueError, match="size1"):
            tree.consistency_ranges(0, 3)
        with pytest.raises(ValueError, match="size1"):
            tree.consistency_ranges(4, 3)


class TestCovering:
    @given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000))
    def test_covering_nodes_tile_the_range_with_aligned_blocks(self, a: int, b: int) -> None:
        start, end = min(a, b), max(a, b)
        position = start
        for level, index in tree.covering_nodes(start, end):
            assert index << level == position
            position += 1 << level
        assert position == end

    def test_completed_by_names_the_leaf_and_its_finished_parents(self) -> None:
        assert tree.completed_by(0) == [(0, 0)]
        assert tree.completed_by(1) == [(0, 1), (1, 0)]
        assert tree.completed_by(7) == [(0, 7), (1, 3), (2, 1), (3, 0)]
