"""Which stored subtree hashes a tree root or proof needs: O(log n) reads instead of n.

The log stores the hash of every *complete* subtree: node (level, index) covers leaves
[index·2^level, (index+1)·2^level). Any RFC 9162 subtree [start, end) splits into at most
log2(n) such nodes, and its hash is their right fold. Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.audit.domain.merkle import node_hash, split_point

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [start, end)


def covering_nodes(start: int, end: int) -> list[Node]:
    """The complete subtrees that tile [start, end), largest (leftmost) first."""
    nodes: list[Node] = []
    while start < end:
        # The largest aligned power-of-two block that starts at `start` and fits.
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while (1 << level) > end - start:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a subtree from its covering nodes' hashes (a right fold)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def completed_by(index: int) -> list[Node]:
    """The nodes that appending leaf ``index`` completes: (0, index) and its finished parents."""
    nodes, level, position = [(0, index)], 0, index
    while position & 1:
        level, position = level + 1, position >> 1
        nodes.append((level, position))
    return nodes


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form the audit path of ``index`` (RFC 6962 PATH order)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return list(reversed(ranges))


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """The subtrees whose hashes form the consistency proof from ``size1`` (RFC 6962 PROOF)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"need 0 < size1 <= size2, got {size1}, {size2}")
    ranges: list[Range] = []
    start, m, end, complete = 0, size1, size2, True
    while start + m != end or not complete:
        if start + m == end:  # reached a subtree equal to the old tree's part: its own hash
            ranges.append((start, end))
            break
        k = split_point(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    return list(reversed(ranges))


def nodes_for(ranges: Sequence[Range]) -> set[Node]:
    """Every stored node the given subtrees need."""
    return {node for start, end in ranges for node in covering_nodes(start, end)}


def hashes_for(ranges: Sequence[Range], stored: Mapping[Node, bytes]) -> list[bytes]:
    """The hashes of the given subtrees, from stored nodes (KeyError when one is missing)."""
    return [fold([stored[n] for n in covering_nodes(start, end)]) for start, end in ranges]


def extend(
    frontier: Mapping[Node, bytes], size: int, leaves: Sequence[bytes]
) -> tuple[dict[Node, bytes], dict[Node, bytes]]:
    """Append leaf hashes to the tree of ``size`` leaves whose covering nodes are ``frontier``.

    :returns: the complete subtrees the new leaves completed (what the store adds), and the
        frontier of the grown tree.
    """
    nodes = dict(frontier)
    added: dict[Node, bytes] = {}
    for offset, digest in enumerate(leaves):
        for level, position in completed_by(size + offset):
            if level > 0:
                digest = node_hash(
                    nodes[(level - 1, 2 * position)], nodes[(level - 1, 2 * position + 1)]
                )
            nodes[(level, position)] = added[(level, position)] = digest
    return added, {n: nodes[n] for n in covering_nodes(0, size + len(leaves))}
