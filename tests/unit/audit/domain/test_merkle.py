"""RFC 9162 hashing, proofs and verifiers, with the verifier bugs other logs shipped."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit.domain import merkle


def naive_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 section 2.1, word for word: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_root(leaves[:k]) + naive_root(leaves[k:])).digest()


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


ALL = leaves(2048)


class TestHashing:
    def test_leaf_and_node_prefixes(self) -> None:
        assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
        assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()

    def test_empty_tree(self) -> None:
        assert merkle.root([]) == hashlib.sha256(b"").digest()

    def test_root_equals_the_naive_definition_for_every_size_up_to_2048(self) -> None:
        for n in range(1, 2049):
            assert merkle.root(ALL[:n]) == naive_root(ALL[:n]), n

    @settings(max_examples=200)
    @given(st.lists(st.binary(max_size=40), min_size=1, max_size=300))
    def test_root_of_arbitrary_entries(self, entries: list[bytes]) -> None:
        hashes = [merkle.leaf_hash(e) for e in entries]
        assert merkle.root(hashes) == naive_root(hashes)


class TestProofsRoundTrip:
    @settings(max_examples=300)
    @given(st.integers(1, 2048).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
    def test_every_inclusion_proof_verifies(self, case: tuple[int, int]) -> None:
        n, index = case
        tree = ALL[:n]
        proof = merkle.inclusion_proof(tree, index)
        merkle.verify_inclusion(tree[index], index, n, proof, merkle.root(tree))

    @settings(max_examples=300)
    @given(st.integers(1, 2048).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
    def test_every_consistency_proof_verifies(self, case: tuple[int, int]) -> None:
        size1, size2 = case
        proof = merkle.consistency_proof(ALL[:size2], size1)
        merkle.verify_consistency(
            size1, size2, merkle.root(ALL[:size1]), merkle.root(ALL[:size2]), proof
        )

    def test_exhaustively_for_small_trees(self) -> None:
        for n in range(1, 65):
            tree, top = ALL[:n], merkle.root(ALL[:n])
            for i in range(n):
                merkle.verify_inclusion(tree[i], i, n, merkle.inclusion_proof(tree, i), top)
            for m in range(1, n + 1):
                proof = merkle.consistency_proof(tree, m)
                merkle.verify_consistency(m, n, merkle.root(tree[:m]), top, proof)


class TestKnownVerifierBugs:
    def test_an_empty_proof_from_size_zero_is_refused(self) -> None:
        with pytest.raises(ValueError, match="size1"):
            merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, merkle.root(ALL[:5]), [])

    def test_size1_zero_is_refused_even_with_a_proof(self) -> None:
        with pytest.raises(ValueError, match="size1"):
            merkle.verify_consistency(0, 2, merkle.EMPTY_ROOT, merkle.root(ALL[:2]), [ALL[0]])
        with pytest.raises(ValueError, match="size1"):
            merkle.consistency_proof(ALL[:4], 0)

    def test_a_one_leaf_tree_has_an_empty_audit_path(self) -> None:
        assert merkle.inclusion_proof(ALL[:1], 0) == []
        merkle.verify_inclusion(ALL[0], 0, 1, [], ALL[0])

    def test_the_second_size_must_be_fully_consumed(self) -> None:
        proof = merkle.consistency_proof(ALL[:8], 3)
        top = merkle.root(ALL[:8])
        with pytest.raises(ValueError, match="consistency"):
            merkle.verify_consistency(3, 16, merkle.root(ALL[:3]), top, proof)

    @pytest.mark.parametrize(("n", "index"), [(7, 3), (16, 0), (1000, 999)])
    def test_proof_longer_or_shorter_than_expected(self, n: int, index: int) -> None:
        tree = ALL[:n]
        proof, top = merkle.inclusion_proof(tree, index), merkle.root(tree)
        with pytest.raises(ValueError, match="expected"):
            merkle.verify_inclusion(tree[index], index, n, [*proof, ALL[0]], top)
        with pytest.raises(ValueError, match="expected"):
            merkle.verify_inclusion(tree[index], index, n, proof[:-1], top)

    def test_trailing_and_preceding_garbage_in_a_consistency_proof(self) -> None:
        proof = merkle.consistency_proof(ALL[:9], 4)
        roots = (merkle.root(ALL[:4]), merkle.root(ALL[:9]))
        for bad in ([*proof, ALL[1]], [ALL[1], *proof], proof[1:], []):
            with pytest.raises(ValueError, match=r"hashes|consistency"):
                merkle.verify_consistency(4, 9, *roots, bad)

    def test_every_modified_node_is_caught(self) -> None:
        tree, n, index = ALL[:300], 300, 123
        proof, top = merkle.inclusion_proof(tree, index), merkle.root(tree)
        for i in range(len(proof)):
            tampered = list(proof)
            tampered[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
            with pytest.raises(ValueError, match="root"):
                merkle.verify_inclusion(tree[index], index, n, tampered, top)
        consistency = merkle.consistency_proof(tree, 77)
        for i in range(len(consistency)):
            tampered = list(consistency)
            tampered[i] = bytes([consistency[i][0] ^ 8]) + consistency[i][1:]
            with pytest.raises(ValueError, match="consistency"):
                merkle.verify_consistency(77, n, merkle.root(tree[:77]), top, tampered)

    def test_wrong_leaf_index_size_or_leaf(self) -> None:
        tree, top = ALL[:10], merkle.root(ALL[:10])
        proof = merkle.inclusion_proof(tree, 5)
        for leaf, index, size in [
            (tree[5], 4, 10),
            (tree[5], 6, 10),
            (tree[4], 5, 10),
            (tree[5], 5, 20),
            (tree[5], -1, 10),
            (tree[5], 10, 10),
        ]:
            with pytest.raises(ValueError):  # noqa: PT011 - the reason varies with the input
                merkle.verify_inclusion(leaf, index, size, proof, top)

    def test_malformed_hashes_are_refused(self) -> None:
        with pytest.raises(ValueError, match="32-byte"):
            merkle.verify_inclusion(b"short", 0, 1, [], ALL[0])
        with pytest.raises(ValueError, match="32-byte"):
            merkle.verify_consistency(1, 2, ALL[0], merkle.root(ALL[:2]), [ALL[1] + b"x"])

    def test_equal_sizes_need_equal_roots_and_no_proof(self) -> None:
        merkle.verify_consistency(5, 5, merkle.root(ALL[:5]), merkle.root(ALL[:5]), [])
        with pytest.raises(ValueError, match="empty proof"):
            merkle.verify_consistency(5, 5, merkle.root(ALL[:5]), merkle.root(ALL[:5]), [ALL[0]])
        with pytest.raises(ValueError, match="different roots"):
            merkle.verify_consistency(5, 5, merkle.root(ALL[:5]), merkle.root(ALL[:6]), [])
