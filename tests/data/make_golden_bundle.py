"""Writes tests/data/bundle-v1.json: a format-1 bundle kept so that old bundles keep verifying.

Run once when the format was introduced; never regenerate it for a later format (add a new file).
"""

from __future__ import annotations

import asyncio
import base64
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.domain.checkpoint import Signer
from services.audit.domain.entries import NewEntry
from services.audit.domain.keys import KeyHistory, PublishedKey
from services.audit.handlers.bundle import BundleExport
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.handlers.evidence import EvidenceLog

ORIGIN = "bank.example/dunwell-audit"


async def main() -> None:
    store = InMemoryAuditStore()
    log = EvidenceLog(store, b"golden-master-key-32-bytes-long!", SystemClock())
    await log.load()
    signer = Signer(
        ORIGIN, Ed25519PrivateKey.from_private_bytes(b"golden-signing-seed-32-bytes-ok!")
    )
    with tempfile.TemporaryDirectory() as tmp:
        witness = FileWitness(Path(tmp) / "w")
        checkpointer = Checkpointer(log, store, signer, ORIGIN, witness, (signer.key,))
        at = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        await log.append(
            [
                NewEntry(
                    f"golden-{i}",
                    "dunwell.interaction.recorded.v1",
                    "dunwell.interactions.v1",
                    f"debtor-{i % 2}",
                    f"loan-{i % 2}",
                    at,
                    json.dumps({"n": i, "kind": "message_sent"}).encode(),
                )
                for i in range(7)
            ],
            now=at,
        )
        await checkpointer.checkpoint()
        key = PublishedKey(
            name=ORIGIN,
            public_key=base64.b64encode(signer.key.public_key).decode(),
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
        export = BundleExport(log, store, ORIGIN, KeyHistory((key,)), witness, None)
        document, _ = await export.export(debtor_id="debtor-1", loan_id=None, exported_by="golden")
    out = Path(__file__).with_name("bundle-v1.json")
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
