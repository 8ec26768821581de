"""Retention on the log's clock: quiet debtors' content is erased, their proofs stay."""

from __future__ import annotations

from datetime import timedelta

from services.audit.adapters.memory import InMemoryAuditStore, SettableClock
from services.audit.domain import merkle
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.retention import erase_expired_content
from tests.support.audit import new_entry


async def test_only_debtors_quiet_for_the_whole_period_are_erased() -> None:
    store, clock = InMemoryAuditStore(), SettableClock()
    log = EvidenceLog(store, b"k" * 32, clock)
    await log.load()
    await log.append([new_entry("a", "d1"), new_entry("b", "d2")])
    clock.at += timedelta(days=700)
    await log.append([new_entry("c", "d2")])
    clock.at += timedelta(days=40)
    await erase_expired_content(log, timedelta(days=730))
    assert (store.keys["debtor:d1"], store.keys["debtor:d2"] is not None) == (None, True)
    [erased] = await log.open(await store.leaves([0]))
    assert (erased.plaintext, erased.tampered) == (None, False)
    proof = await log.inclusion_proof(0, 3)
    merkle.verify_inclusion(merkle.leaf_hash(erased.row.leaf_data), 0, 3, proof, log.root())
