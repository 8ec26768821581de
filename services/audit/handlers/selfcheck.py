"""Re-verify the stored tree from its leaves: every row, node and checkpoint, naming where."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.audit.domain import tree
from services.audit.domain.checkpoint import NoteError, VerifierKey, open_note
from services.audit.domain.entries import decode_leaf
from services.audit.domain.merkle import leaf_hash
from services.audit.domain.rows import CheckpointRow, LeafRow
from services.audit.metrics import (
    SELF_CHECK_FAILURES,
    SELF_CHECK_FIRST_BAD_INDEX,
    SELF_CHECK_OK,
    SELF_CHECK_SECONDS,
)
from services.audit.ports import AuditStore, Witness

log = logging.getLogger(__name__)
CHUNK = 5000


@dataclass(frozen=True)
class Finding:
    """One problem: the first leaf index it affects (None when not tied to one) and what."""

    index: int | None
    problem: str


@dataclass
class _Pass:
    """State of one pass over the leaves: the recomputed frontier and roots at wanted sizes."""

    frontier: dict[tree.Node, bytes] = field(default_factory=dict)
    roots: dict[int, bytes] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _row_problem(row: LeafRow, expected_index: int) -> str | None:
    if row.index != expected_index:
        return f"index {expected_index} is missing (next stored row is {row.index})"
    try:
        leaf = decode_leaf(row.leaf_data)
    except ValueError:
        return "leaf data changed (not canonical)"
    if leaf.index != row.index:
        return f"row holds the leaf of index {leaf.index}: reordered or duplicated"
    if leaf.event_id != row.event_id or leaf.kind != row.kind:
        return "row columns differ from the leaf data"
    if hashlib.sha256(row.ciphertext).hexdigest() != leaf.ciphertext_sha256:
        return "content changed (ciphertext hash differs)"
    return None


async def self_check(
    store: AuditStore, keys: Sequence[VerifierKey], witness: Witness | None = None
) -> list[Finding]:
    """Check the whole log; findings are ordered by leaf index, the first one first."""
    # The witness first: a checkpoint signed meanwhile covers no more than the size read next.
    note = await witness.latest() if witness is not None else None
    size, state = await store.size(), _Pass()
    wanted_sizes = {c.size for c in await store.checkpoints()} | _witnessed_size(note, keys)
    for start in range(0, size, CHUNK):
        rows = await store.leaves_between(start, min(size, start + CHUNK))
        await _check_chunk(store, rows, start, min(size, start + CHUNK), wanted_sizes, state)
        if state.findings:
            break
    await _check_checkpoints(await store.checkpoints(), keys, state, size)
    if note is not None:
        _check_witness(note, keys, state, size)
    return sorted(state.findings, key=lambda f: (f.index is None, f.index or 0))


def _witnessed_size(note: str | None, keys: Sequence[VerifierKey]) -> set[int]:
    """The witnessed tree size, whose root the pass must compute (none if unreadable)."""
    try:
        return {open_note(note, keys).size} if note is not None else set()
    except NoteError:
        return set()


async def _check_chunk(
    store: AuditStore,
    rows: list[LeafRow],
    start: int,
    end: int,
    sizes: set[int],
    state: _Pass,
) -> None:
    """Recompute the chunk's nodes as the writer does (:func:`tree.extend`), compare each with
    the stored one, and keep the roots at the wanted sizes."""
    expected = start
    stored = await store.nodes({n for i in range(start, end) for n in tree.completed_by(i)})
    for row in rows:
        problem = _row_problem(row, expected)
        if problem:
            state.findings.append(Finding(expected, problem))
            return
        added, state.frontier = tree.extend(state.frontier, expected, [leaf_hash(row.leaf_data)])
        for (level, index), digest in added.items():
            if stored.get((level, index)) != digest:
                node = (level, index)
                state.findings.append(Finding(index << level, f"stored tree node {node} differs"))
                return
        expected += 1
        if expected in sizes:
            state.roots[expected] = tree.fold(
                [state.frontier[n] for n in tree.covering_nodes(0, expected)]
            )
    if expected != end:
        state.findings.append(Finding(expected, f"index {expected} is missing"))


async def _check_checkpoints(
    checkpoints: Sequence[CheckpointRow], keys: Sequence[VerifierKey], state: _Pass, size: int
) -> None:
    for row in checkpoints:
        try:
            signed = open_note(row.note, keys)
        except NoteError as e:
            state.findings.append(Finding(None, f"checkpoint {row.size}: signature wrong ({e})"))
            continue
        if (signed.size, signed.root) != (row.size, row.root):
            state.findings.append(Finding(None, f"checkpoint {row.size}: columns differ from note"))
        elif row.size > size:
            state.findings.append(Finding(size, f"log rolled back below checkpoint {row.size}"))
        elif row.size in state.roots and state.roots[row.size] != row.root:
            state.findings.append(Finding(None, f"tree differs from checkpoint {row.size}"))


def _check_witness(note: str, keys: Sequence[VerifierKey], state: _Pass, size: int) -> None:
    try:
        witnessed = open_note(note, keys)
    except NoteError as e:
        state.findings.append(Finding(None, f"witnessed checkpoint unreadable: {e}"))
        return
    if witnessed.size > size:
        state.findings.append(
            Finding(size, f"log rolled back: {size} entries stored, {witnessed.size} witnessed")
        )
        return
    root = state.roots.get(witnessed.size)
    if root is not None and root != witnessed.root:
        state.findings.append(Finding(None, f"tree differs from witnessed {witnessed.size}"))


async def run_self_check(
    store: AuditStore, keys: Sequence[VerifierKey], witness: Witness | None
) -> list[Finding]:
    """One self-check with its metrics and an error log line naming where."""
    started = time.monotonic()
    findings = await self_check(store, keys, witness)
    SELF_CHECK_SECONDS.observe(time.monotonic() - started)
    SELF_CHECK_OK.set(0 if findings else 1)
    first = next((f.index for f in findings if f.index is not None), -1)
    SELF_CHECK_FIRST_BAD_INDEX.set(first)
    if findings:
        SELF_CHECK_FAILURES.inc()
        log.error("self-check failed: %s", findings[0].problem, extra={"first_bad_index": first})
    return findings


async def scheduled_self_check(
    store: AuditStore, keys: Sequence[VerifierKey], witness: Witness | None
) -> None:
    """One scheduled self-check: its findings go to the metrics and the log, not the caller."""
    await run_self_check(store, keys, witness)
