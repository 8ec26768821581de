"""The evidence log on real SQLite: tampering of every kind is found and named, by the
self-check and by offline verification of a bundle exported afterwards."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.sql import SqlAuditStore
from services.audit.domain.checkpoint import Signer, VerifierKey
from services.audit.domain.entries import NewEntry
from services.audit.domain.keys import KeyHistory, PublishedKey
from services.audit.domain.verifier import BundleInvalid, verify_bundle
from services.audit.handlers.bundle import BundleExport
from services.audit.handlers.checkpointer import Checkpointer, TreeInconsistent
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.selfcheck import self_check
from shared.database import create_engine

ORIGIN = "bank.example/dunwell-audit"
MASTER = b"m" * 32
SIGNER = Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(b"s" * 32))
TRUSTED = (SIGNER.key,)
PUBLISHED = (
    PublishedKey(
        name=ORIGIN,
        public_key=__import__("base64").b64encode(SIGNER.key.public_key).decode(),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    ),
)


def entry(i: int) -> NewEntry:
    return NewEntry(
        event_id=f"evt-{i}",
        kind="dunwell.interaction.recorded.v1",
        topic="dunwell.interactions.v1",
        debtor_id=f"d{i % 3}",
        loan_id=f"l{i % 3}",
        occurred_at=datetime(2026, 3, 4, 9, i % 60, tzinfo=UTC),
        payload=b'{"kind": "message_sent", "n": %d}' % i,
    )


@dataclass
class Log:
    path: Path
    store: SqlAuditStore
    log: EvidenceLog
    witness: FileWitness
    checkpointer: Checkpointer

    async def bundle(self, debtor: str) -> dict[str, Any]:
        export = BundleExport(
            self.log, self.store, ORIGIN, KeyHistory(PUBLISHED), self.witness, None
        )
        document, _ = await export.export(debtor_id=debtor, loan_id=None, exported_by="test")
        return document


OPENED: list[SqlAuditStore] = []


@pytest.fixture(autouse=True)
async def _close_stores() -> AsyncIterator[None]:
    yield
    while OPENED:
        await OPENED.pop().close()


async def open_log(path: Path) -> Log:
    store = SqlAuditStore(create_engine(f"sqlite+aiosqlite:///{path}"))
    OPENED.append(store)
    await store.migrate()
    evidence = EvidenceLog(store, MASTER, SystemClock())
    await evidence.load()
    witness = FileWitness(path.with_suffix(".witness"))
    checkpointer = Checkpointer(evidence, store, SIGNER, ORIGIN, witness, TRUSTED)
    return Log(path, store, evidence, witness, checkpointer)


@pytest.fixture
async def filled(tmp_path: Path) -> Log:
    log = await open_log(tmp_path / "audit.db")
    for start in (0, 13, 30):
        await log.log.append([entry(i) for i in range(start, min(40, start + 17))])
        await log.checkpointer.checkpoint()
    return log


def tamper(path: Path, *statements: str) -> None:
    """What an administrator with direct database access could do."""
    with sqlite3.connect(path) as db:
        for trigger in [
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        ]:
            db.execute(f"DROP TRIGGER {trigger}")
        for statement in statements:
            db.execute(statement)


async def reopened(log: Log) -> Log:
    await log.store.close()  # the test plays a restart
    return await open_log(log.path)


async def test_an_untouched_log_passes_both_checks(filled: Log) -> None:
    assert await self_check(filled.store, TRUSTED, filled.witness) == []
    report = verify_bundle(await filled.bundle("d1"), TRUSTED)
    assert any("13 entries" in line for line in report.lines)


TAMPERING: list[tuple[str, list[str], int]] = [
    (
        "a flipped byte of leaf data",
        [
            "UPDATE audit_leaves SET leaf_data = CAST(REPLACE(CAST(leaf_data AS TEXT), '\"d1\"', "
            "'\"dX\"') AS BLOB) WHERE leaf_index = 7"
        ],
        7,
    ),
    (
        "a flipped byte of ciphertext",
        [
            # its first byte changed, whatever it was (a byte set to 00 that was 00 is no change)
            "UPDATE audit_leaves SET ciphertext = CAST(CASE WHEN substr(ciphertext, 1, 1) = X'00'"
            " THEN X'01' ELSE X'00' END || substr(ciphertext, 2) AS BLOB) WHERE leaf_index = 7"
        ],
        7,
    ),
    ("a deleted row", ["DELETE FROM audit_leaves WHERE leaf_index = 7"], 7),
    (
        "two rows swapped",
        [
            "UPDATE audit_leaves SET leaf_index = -1 WHERE leaf_index = 7",
            "UPDATE audit_leaves SET leaf_index = 7 WHERE leaf_index = 10",
            "UPDATE audit_leaves SET leaf_index = 10 WHERE leaf_index = -1",
        ],
        7,
    ),
    (
        "a row duplicated over another",
        [
            "UPDATE audit_leaves SET leaf_data = (SELECT leaf_data FROM audit_leaves WHERE "
            "leaf_index = 7), "
            "ciphertext = (SELECT ciphertext FROM audit_leaves WHERE leaf_index = 7) "
            "WHERE leaf_index = 10"
        ],
        10,
    ),
]


@pytest.mark.parametrize(
    ("what", "statements", "first_bad"), TAMPERING, ids=[t[0] for t in TAMPERING]
)
async def test_tampering_is_named_by_self_check_and_by_the_verifier(
    filled: Log, what: str, statements: list[str], first_bad: int
) -> None:
    tamper(filled.path, *statements)
    log = await reopened(filled)
    findings = await self_check(log.store, TRUSTED, log.witness)
    assert findings, what
    assert findings[0].index == first_bad, findings[0]
    with pytest.raises(BundleInvalid) as caught:
        verify_bundle(await log.bundle("d1"), TRUSTED)
    assert caught.value.index == first_bad, caught.value.problem


async def test_restoring_an_older_copy_of_the_database_is_named(tmp_path: Path) -> None:
    log = await open_log(tmp_path / "audit.db")
    await log.log.append([entry(i) for i in range(30)])
    await log.checkpointer.checkpoint()
    await log.store.close()  # a consistent file copy
    shutil.copy(log.path, tmp_path / "backup.db")
    log = await open_log(log.path)
    await log.log.append([entry(i) for i in range(30, 40)])
    await log.checkpointer.checkpoint()  # the witness now holds size 40
    await log.store.close()
    shutil.copy(tmp_path / "backup.db", log.path)
    restored = await open_log(log.path)
    findings = await self_check(restored.store, TRUSTED, restored.witness)
    assert findings[0].index == 30
    assert "rolled back" in findings[0].problem
    with pytest.raises(BundleInvalid) as caught:
        verify_bundle(await restored.bundle("d1"), TRUSTED)
    assert caught.value.index == 30
    # And the service refuses to sign over the rollback.
    await restored.log.append([entry(i) for i in range(100, 105)])
    with pytest.raises(TreeInconsistent):
        await restored.checkpointer.checkpoint()


async def test_erasing_a_debtors_key_keeps_every_proof_valid(filled: Log) -> None:
    assert await filled.log.erase("debtor:d1", datetime.now(UTC))
    document = await filled.bundle("d1")
    assert all(e["plaintext"] is None for e in document["entries"])
    verify_bundle(document, TRUSTED)
    assert await self_check(filled.store, TRUSTED, filled.witness) == []
    other = await filled.bundle("d2")
    assert all(e["plaintext"] is not None for e in other["entries"])


async def test_a_bundle_with_edited_plaintext_or_proof_is_refused(filled: Log) -> None:
    edits: dict[str, Callable[[dict[str, Any]], None]] = {
        "plaintext": lambda e: e.update(plaintext="eyJraW5kIjogImZvcmdlZCJ9"),
        "proof": lambda e: e.update(inclusion_proof=e["inclusion_proof"][::-1]),
    }
    for what, edit in edits.items():
        document = await filled.bundle("d1")
        edit(document["entries"][2])
        with pytest.raises(BundleInvalid) as caught:
            verify_bundle(document, TRUSTED)
        assert caught.value.index == document["entries"][2]["leaf_index"], what


async def test_a_bundle_signed_by_another_key_is_refused(filled: Log) -> None:
    stranger = VerifierKey(ORIGIN, Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    with pytest.raises(BundleInvalid, match="signature"):
        verify_bundle(await filled.bundle("d1"), (stranger,))


async def test_retention_erases_only_debtors_quiet_for_the_whole_period(tmp_path: Path) -> None:
    log = await open_log(tmp_path / "audit.db")
    long_ago = datetime(2023, 1, 1, tzinfo=UTC)
    await log.log.append([entry(i) for i in range(9)], now=long_ago)  # d0, d1, d2
    await log.log.append([entry(100)], now=datetime(2026, 3, 1, tzinfo=UTC))  # d1 again
    await log.checkpointer.checkpoint()
    erased = await log.log.erase_expired(datetime(2026, 3, 2, tzinfo=UTC), timedelta(days=730))
    assert sorted(erased) == ["d0", "d2"]
    gone = await log.bundle("d0")
    assert all(e["plaintext"] is None for e in gone["entries"])
    verify_bundle(gone, TRUSTED)  # the proofs outlive the content
    kept = await log.bundle("d1")
    assert all(e["plaintext"] is not None for e in kept["entries"])
