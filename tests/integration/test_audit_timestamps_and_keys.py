"""RFC 3161 time-stamps from a local TSA (checked by `openssl ts -verify`), and key rotation."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sandbox.smtp import free_port
from sandbox.tsa import build_app, make_authority
from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.adapters.tsa import HttpTimestamper
from services.audit.domain.checkpoint import Signer, open_note
from services.audit.domain.entries import NewEntry
from services.audit.domain.keys import KeyHistory, PublishedKey
from services.audit.domain.verifier import BundleInvalid, verify_bundle
from services.audit.handlers.bundle import BundleExport
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.selfcheck import self_check

ORIGIN = "bank.example/dunwell-audit"


@pytest.fixture
async def tsa(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    authority = make_authority(tmp_path / "tsa")
    runner = web.AppRunner(build_app(authority))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/tsa", authority
    await runner.cleanup()


def published(signer: Signer, since: datetime, until: datetime | None = None) -> PublishedKey:
    return PublishedKey(
        name=signer.name,
        public_key=base64.b64encode(signer.key.public_key).decode(),
        valid_from=since,
        valid_until=until,
    )


def entries(start: int, end: int) -> list[NewEntry]:
    return [
        NewEntry(f"e{i}", "k", "t", "d1", "l1", datetime(2026, 3, 4, tzinfo=UTC), b"x")
        for i in range(start, end)
    ]


async def test_each_checkpoint_carries_a_token_openssl_accepts(
    tsa: tuple[str, Path], tmp_path: Path
) -> None:
    url, authority = tsa
    store = InMemoryAuditStore()
    evidence = EvidenceLog(store, b"m" * 32, SystemClock())
    await evidence.load()
    signer = Signer(ORIGIN, Ed25519PrivateKey.generate())
    witness = FileWitness(tmp_path / "witness")
    stamper = HttpTimestamper(url, authority / "ca.crt")
    checkpointer = Checkpointer(evidence, store, signer, ORIGIN, witness, (signer.key,), stamper)
    await evidence.append(entries(0, 5))
    row = await checkpointer.checkpoint()
    assert row is not None
    assert row.timestamp_token is not None
    body = open_note(row.note, [signer.key]).body().encode()
    (tmp_path / "body").write_bytes(body)
    (tmp_path / "token.tsr").write_bytes(row.timestamp_token)
    openssl = await asyncio.create_subprocess_exec(
        "openssl",
        "ts",
        "-verify",
        "-data",
        str(tmp_path / "body"),
        "-in",
        str(tmp_path / "token.tsr"),
        "-CAfile",
        str(authority / "ca.crt"),
        "-untrusted",
        str(authority / "tsa.crt"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await openssl.communicate()
    assert b"Verification: OK" in out, err

    keys = KeyHistory((published(signer, datetime(2026, 1, 1, tzinfo=UTC)),))
    roots = (authority / "ca.crt").read_text()
    export = BundleExport(evidence, store, ORIGIN, keys, witness, roots)
    document, _ = await export.export(debtor_id="d1", loan_id=None, exported_by="t")
    report = verify_bundle(document)
    assert any("RFC 3161" in line for line in report.lines)
    token = bytearray(base64.b64decode(document["checkpoint"]["timestamp_token"]))
    token[-40] ^= 1
    document["checkpoint"]["timestamp_token"] = base64.b64encode(bytes(token)).decode()
    with pytest.raises(BundleInvalid, match="time-stamp"):
        verify_bundle(document)


async def test_after_key_rotation_old_and_new_checkpoints_verify(tmp_path: Path) -> None:
    store = InMemoryAuditStore()
    evidence = EvidenceLog(store, b"m" * 32, SystemClock())
    await evidence.load()
    witness = FileWitness(tmp_path / "witness")
    old = Signer(ORIGIN, Ed25519PrivateKey.generate())
    new = Signer(ORIGIN, Ed25519PrivateKey.generate())
    await evidence.append(entries(0, 4))
    first = await Checkpointer(evidence, store, old, ORIGIN, witness, (old.key,)).checkpoint()
    history = (old.key, new.key)  # the published key history after rotation
    await evidence.append(entries(4, 9))
    second = await Checkpointer(evidence, store, new, ORIGIN, witness, history).checkpoint()
    assert first is not None
    assert second is not None
    assert open_note(first.note, history).size == 4
    assert open_note(second.note, history).size == 9
    assert await self_check(store, history, witness) == []
    assert await self_check(store, (new.key,), witness) != []  # without the history: refused
