"""Audit benchmark: durable appends/s against a raw batched insert of the same rows, inclusion
proof latency at 1M leaves, and checkpoint lag under a steady load."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tqdm import tqdm

from bench.audit_postgres import postgres_beside_raw
from bench.common import MIN_RUNS, beside_baseline, record
from services.audit.adapters.clock import SystemClock
from services.audit.adapters.file_witness import FileWitness
from services.audit.adapters.sql import SqlAuditStore
from services.audit.domain.checkpoint import Signer
from services.audit.domain.entries import NewEntry
from services.audit.domain.rows import LeafRow
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.handlers.evidence import EvidenceLog
from services.audit.settings import Settings as AuditSettings
from shared.database import create_engine
from shared.service import periodic

BATCH = 500  # entries per transaction, the log's and the raw insert's
POLL = AuditSettings.model_fields["batch_max"].default  # entries per append, as a poll gives
PAYLOAD = (
    b'{"kind":"message_sent","channel":"email","provider":"smtp","reason":"' + b"x" * 300 + b'"}'
)


def entries(batch: int, now: datetime) -> list[NewEntry]:
    return [
        NewEntry(
            f"e{batch}-{i}",
            "dunwell.interaction.recorded.v1",
            "dunwell.interactions.v1",
            f"debtor-{i % 5000}",
            f"loan-{i % 20000}",
            now,
            PAYLOAD,
        )
        for i in range(BATCH)
    ]


async def open_log(path: Path | str) -> tuple[SqlAuditStore, EvidenceLog]:
    """The log on SQLite at ``path``, or on the database at a URL."""
    url = path if isinstance(path, str) else f"sqlite+aiosqlite:///{path}"
    store = SqlAuditStore(create_engine(url))
    await store.migrate()
    log = EvidenceLog(store, b"m" * 32, SystemClock(), part=BATCH)
    await log.load()
    return store, log


async def durable_appends(where: Path | str, total: int) -> tuple[float, list[LeafRow]]:
    """Appends of ``total`` entries, ``POLL`` at a time as the service's polls give them, each
    durable (in transactions of ``BATCH``) before the next, into the log at ``where`` (a
    SQLite file, or a database's URL). The entries are made before the clock starts, as the
    baseline's rows are."""
    store, log = await open_log(where)
    now = datetime.now(UTC)
    made = [entry for batch in range(total // BATCH) for entry in entries(batch, now)]
    polls = [made[start : start + POLL] for start in range(0, len(made), POLL)]
    started = time.perf_counter()
    for poll in tqdm(polls, desc="audit: durable appends", unit="poll"):
        await log.append(poll)
    elapsed = time.perf_counter() - started
    rows = await store.leaves_between(0, total)
    await store.close()
    return total / elapsed, rows


def stored_nodes(path: Path) -> dict[int, list[tuple[int, int, bytes]]]:
    """The tree-node rows of a log, by the append batch that wrote each: node (level, index)
    is complete once leaf (index + 1)·2^level - 1 is in."""
    by_batch: dict[int, list[tuple[int, int, bytes]]] = {}
    with closing(sqlite3.connect(path)) as db:
        for level, index, digest in db.execute(
            "SELECT level, node_index, hash FROM audit_tree_nodes ORDER BY level, node_index"
        ):
            last_leaf = ((index + 1) << level) - 1
            by_batch.setdefault(last_leaf // BATCH, []).append((level, index, digest))
    return by_batch


async def raw_batched_insert(workdir: Path, rows: list[LeafRow]) -> float:
    """The baseline: the same leaf rows (already sealed) and tree-node rows inserted with
    sqlite3 into the log's own schema (its migrations: the same tables, indexes and triggers),
    WAL + FULL and the same pragmas, in transactions of the same size; no sealing, hashing,
    chain look-ups or dedupe."""
    path = workdir / "raw.db"
    store = SqlAuditStore(create_engine(f"sqlite+aiosqlite:///{path}"))
    await store.migrate()
    await store.close()
    nodes = stored_nodes(workdir / "appends.db")
    leaves = [
        (r.index, r.event_id, r.kind, r.debtor_id, r.loan_id, r.leaf_data, r.ciphertext, stamp(r))
        for r in rows
    ]
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "cache_size=-65536"):
            db.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        for batch, start in enumerate(
            tqdm(range(0, len(rows), BATCH), desc="audit: raw batched insert", unit="batch")
        ):
            db.execute("BEGIN")
            db.executemany(RAW_LEAF, leaves[start : start + BATCH])
            db.executemany(RAW_NODE, nodes.get(batch, []))
            db.execute("COMMIT")
        elapsed = time.perf_counter() - started
    return len(rows) / elapsed


RAW_LEAF = (
    "INSERT INTO audit_leaves (leaf_index, event_id, kind, debtor_id, loan_id, leaf_data, "
    "ciphertext, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
RAW_NODE = "INSERT INTO audit_tree_nodes (level, node_index, hash) VALUES (?, ?, ?)"


def stamp(row: LeafRow) -> str | None:
    """The recorded time as SQLAlchemy stores a DateTime in SQLite."""
    at = row.recorded_at
    return None if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def appends_beside_raw(workdir: Path, total: int, runs: int) -> dict[str, Any]:
    """Durable appends and the fair raw insert, run after run (each on fresh databases)."""
    durable: list[float] = []
    raw: list[float] = []
    for run in range(runs):
        rundir = workdir / f"run{run}"
        rundir.mkdir()
        rate, rows = await durable_appends(rundir / "appends.db", total)
        durable.append(rate)
        raw.append(await raw_batched_insert(rundir, rows))
    return beside_baseline(
        durable,
        raw,
        "raw sqlite3 insert of the same leaf and tree-node rows into the same schema",
        batch=BATCH,
        poll=POLL,
        appends=total,
    )


async def proof_latency(workdir: Path, leaves: int, samples: int) -> dict[str, float]:
    store, log = await open_log(workdir / "million.db")
    now = datetime.now(UTC)
    per_poll = POLL // BATCH
    for first in tqdm(
        range(0, leaves // BATCH, per_poll), desc=f"audit: building {leaves:,} leaves", unit="poll"
    ):
        last = min(first + per_poll, leaves // BATCH)
        await log.append([e for batch in range(first, last) for e in entries(batch, now)])
    timings = []
    for n in tqdm(range(samples), desc="audit: inclusion proofs", unit="proof"):
        index = (n * 7919) % leaves
        started = time.perf_counter()
        await log.inclusion_proof(index, leaves)
        timings.append(time.perf_counter() - started)
    await store.close()
    return {
        "p50_ms": statistics.median(timings) * 1000,
        "p99_ms": statistics.quantiles(timings, n=100)[98] * 1000,
        "tree_size": leaves,
    }


async def checkpoint_lag(workdir: Path, seconds: float, rate: int) -> dict[str, float]:
    """Append at ``rate`` entries/s with the checkpointer running (1 s interval); lag is the time
    from an entry's append to the first signed checkpoint covering it."""
    store, log = await open_log(workdir / "lag.db")
    signer = Signer("bench/dunwell-audit", Ed25519PrivateKey.generate())
    checkpointer = Checkpointer(
        log, store, signer, signer.name, FileWitness(workdir / "w"), (signer.key,)
    )
    appended: list[tuple[int, float]] = []
    ticks = partial(checkpointer.tick, 1.0, 10_000)
    task = asyncio.create_task(periodic("checkpoint", 0.1, ticks, asyncio.Event(), 0.0))
    now, per_tick = datetime.now(UTC), max(1, rate // 10)
    for tick in tqdm(range(int(seconds * 10)), desc="audit: checkpoint lag", unit="tick"):
        batch = [
            NewEntry(f"lag{tick}-{i}", "k", "t", "d", "l", now, PAYLOAD) for i in range(per_tick)
        ]
        await log.append(batch)
        appended.append((log.size, time.monotonic()))
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)
    task.cancel()
    signed = [(c.size, c.signed_at.timestamp()) for c in await store.checkpoints()]
    offset = time.time() - time.monotonic()
    lags = [
        min(t for s, t in signed if s >= size) - (at + offset)
        for size, at in appended
        if any(s >= size for s, _ in signed)
    ]
    await store.close()
    return {
        "p50_s": statistics.median(lags),
        "max_s": max(lags),
        "rate_per_s": rate,
        "interval_s": 1.0,
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=".local") as tmp:
        workdir = Path(tmp)
        appends = await appends_beside_raw(workdir, args.appends, args.runs)
        postgres = await postgres_beside_raw(
            durable_appends, args.postgres_appends, args.runs, batch=BATCH, poll=POLL
        )
        proofs = await proof_latency(workdir, args.leaves, 1000)
        lag = await checkpoint_lag(workdir, 10, 2000)
    return {
        "durable_appends_per_s": appends,
        "postgres_durable_appends_per_s": postgres,
        "inclusion_proof_latency": {k: round(v, 3) for k, v in proofs.items()},
        "checkpoint_lag": {k: round(v, 3) for k, v in lag.items()},
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=100_000)
    parser.add_argument("--postgres-appends", type=int, default=50_000)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=MIN_RUNS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    figures = asyncio.run(main(parse()))
    record("audit", figures)
    for name, value in figures.items():
        print(f"{name}: {value}")
