"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs, and their verifiers.

Pure functions over leaf hashes; no I/O. The verifiers follow RFC 9162 sections 2.1.3.2 and
2.1.4.2 and also check that a proof has exactly the length its sizes imply, so that over- and
under-long proofs, trailing garbage and size-0 trees are refused with ``ValueError``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

LEAF_PREFIX: Final = b"\x00"
NODE_PREFIX: Final = b"\x01"
HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data): the hash of one log entry."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right): the hash of an interior node."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf hashes (SHA-256 of nothing for an empty tree)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    # Pairing neighbours and carrying an odd last node up unchanged builds the same tree as
    # RFC 9162's split at the largest power of two below n.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaf_hashes`` (RFC 6962 PATH)."""
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"leaf index {index} is outside a tree of size {len(leaf_hashes)}")
    return _path(index, leaf_hashes)


def _path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(m, leaves[:k]), root(leaves[k:])]
    return [*_path(m - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """The proof that the first ``size1`` leaves are a prefix of the tree (RFC 6962 PROOF)."""
    if not 0 < size1 <= len(leaf_hashes):
        raise ValueError(f"size1 must be in 1..{len(leaf_hashes)}, got {size1}")
    return _subproof(size1, leaf_hashes, complete=True)


def _subproof(m: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete=complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], complete=False), root(leaves[:k])]


def inclusion_proof_length(index: int, size: int) -> int:
    """How many hashes the audit path of ``index`` in a tree of ``size`` has."""
    length = 0
    while size > 1:
        k = split_point(size)
        index, size = (index, k) if index < k else (index - k, size - k)
        length += 1
    return length


def consistency_proof_length(size1: int, size2: int) -> int:
    """How many hashes the consistency proof from ``size1`` to ``size2`` has (0 < size1 ≤ size2)."""
    length, complete = 0, True
    while size1 != size2:
        k = split_point(size2)
        if size1 <= k:
            size2 = k
        else:
            size1, size2, complete = size1 - k, size2 - k, False
        length += 1
    return length + (0 if complete else 1)


def _check_hashes(name: str, *values: object) -> None:
    for value in values:
        if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
            raise ValueError(f"{name} must be {HASH_SIZE}-byte hashes")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    :raises ValueError: on any invalid input or a proof that does not verify.
    """
    _check_hashes("leaf hash and root", leaf_hash, root)
    _check_hashes("proof entries", *proof)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    if len(proof) != inclusion_proof_length(index, size):
        raise ValueError(
            f"inclusion proof has {len(proof)} hashes, expected "
            f"{inclusion_proof_length(index, size)}"
        )
    fn, sn, computed = index, size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ValueError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or computed != root:
        raise ValueError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size1`` with ``root1`` is a prefix of the one of ``size2``.

    :raises ValueError: on any invalid input or a proof that does not verify.
    """
    _check_hashes("roots", root1, root2)
    _check_hashes("proof entries", *proof)
    if size1 < 1:
        raise ValueError("size1 must be at least 1: an empty tree proves nothing")
    if size2 < size1:
        raise ValueError(f"size2 {size2} is smaller than size1 {size1}")
    if size1 == size2:
        if proof:
            raise ValueError("trees of equal size need an empty proof")
        if root1 != root2:
            raise ValueError("equal sizes but different roots")
        return
    if len(proof) != consistency_proof_length(size1, size2):
        raise ValueError(
            f"consistency proof has {len(proof)} hashes, expected "
            f"{consistency_proof_length(size1, size2)}"
        )
    _chain_consistency(size1, size2, root1, root2, list(proof))


def _chain_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, path: list[bytes]
) -> None:
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is the first node
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            raise ValueError("consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            first, second = node_hash(node, first), node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or first != root1 or second != root2:
        raise ValueError("consistency proof does not lead to both roots")
