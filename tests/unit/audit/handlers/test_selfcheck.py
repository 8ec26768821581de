"""The self-check over the memory store: a clean log passes; a changed node, leaf or witnessed
checkpoint is named at the first index it affects."""

from __future__ import annotations

import pytest

from services.audit.adapters.memory import InMemoryAuditStore, InMemoryWitness, SettableClock
from services.audit.bootstrap import signer_for
from services.audit.domain.checkpoint import Checkpoint, sign
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.selfcheck import Finding, self_check
from services.audit.settings import Settings
from tests.support.audit import new_entry

SIGNER = signer_for(Settings())
KEYS = (SIGNER.key,)
Signed = tuple[InMemoryAuditStore, InMemoryWitness]


@pytest.fixture
async def signed() -> Signed:
    """Seven entries under a signed and witnessed checkpoint."""
    store, witness = InMemoryAuditStore(), InMemoryWitness()
    log = EvidenceLog(store, b"k" * 32, SettableClock())
    await log.load()
    await log.append([new_entry(f"e{i}", f"d{i % 2}") for i in range(7)])
    await Checkpointer(log, store, SIGNER, SIGNER.name, witness, KEYS).checkpoint()
    return store, witness


async def test_a_clean_log_has_no_findings(
    signed: Signed,
) -> None:
    store, witness = signed
    assert await self_check(store, KEYS, witness) == []


async def test_a_changed_node_is_named_by_its_first_leaf(
    signed: Signed,
) -> None:
    store, witness = signed
    store.tree[(1, 2)] = b"\x00" * 32  # covers leaves 4 and 5
    assert await self_check(store, KEYS, witness) == [Finding(4, "stored tree node (1, 2) differs")]


async def test_a_witnessed_checkpoint_the_tree_contradicts_is_found(
    signed: Signed,
) -> None:
    store, witness = signed
    witness.note = sign(Checkpoint(SIGNER.name, 5, b"\x01" * 32), SIGNER.name, SIGNER.private)
    assert await self_check(store, KEYS, witness) == [
        Finding(None, "tree differs from witnessed 5")
    ]


async def test_a_witness_ahead_of_the_log_means_a_rollback(
    signed: Signed,
) -> None:
    store, witness = signed
    witness.note = sign(Checkpoint(SIGNER.name, 9, b"\x01" * 32), SIGNER.name, SIGNER.private)
    findings = await self_check(store, KEYS, witness)
    assert findings == [Finding(7, "log rolled back: 7 entries stored, 9 witnessed")]
