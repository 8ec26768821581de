"""The audit's durable appends on PostgreSQL, the production store, beside their fair raw
insert: the same leaf and tree-node rows written with psycopg's binary COPY (as the log's
store writes them) into the log's own schema (its migrations: the same indexes), in
transactions of the same size, on a fresh database each; no sealing, hashing, chain look-ups
or dedupe."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench.common import beside_baseline
from bench.notifier_bench import fresh_postgres_database
from services.audit.adapters import schema
from services.audit.adapters.sql import SqlAuditStore
from services.audit.adapters.sql_bulk import copy_types
from services.audit.domain.rows import LeafRow
from shared.database import create_engine

Nodes = dict[int, list[tuple[int, int, bytes]]]

#: As the log's store writes them: binary COPY (``services.audit.adapters.sql_bulk``).
BINARY = "FROM STDIN (FORMAT BINARY)"
LEAF_COLUMNS = "leaf_index, event_id, kind, debtor_id, loan_id, leaf_data, ciphertext, recorded_at"


#: The benchmark's appends into the log at a URL: (appends/s, the leaves written).
Appends = Callable[[str, int], Awaitable[tuple[float, list[LeafRow]]]]


async def postgres_beside_raw(
    appends: Appends, total: int, runs: int, *, batch: int, poll: int
) -> dict[str, Any]:
    """Durable appends of ``total`` entries on PostgreSQL (by ``appends``, the SQLite
    figure's own, ``poll`` a time in transactions of ``batch``) and the raw COPY of the same
    rows, run after run."""
    durable: list[float] = []
    raw: list[float] = []
    for _ in range(runs):
        url = fresh_postgres_database()
        rate, rows = await appends(url, total)
        durable.append(rate)
        nodes = await asyncio.to_thread(stored_nodes, url, batch)
        target = fresh_postgres_database()
        store = SqlAuditStore(create_engine(target))
        await store.migrate()
        await store.close()
        raw.append(await asyncio.to_thread(raw_copy, target, rows, nodes, batch))
    return beside_baseline(
        durable,
        raw,
        "raw psycopg binary COPY of the same leaf and tree-node rows into the same schema",
        batch=batch,
        poll=poll,
        appends=total,
        store="postgresql",
    )


def _dsn(url: str) -> str:
    """The SQLAlchemy URL as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def stored_nodes(url: str, batch: int) -> Nodes:
    """The tree-node rows of a log, by the append batch that wrote each: node (level, index)
    is complete once leaf (index + 1)·2^level - 1 is in."""
    by_batch: Nodes = {}
    with psycopg.connect(_dsn(url)) as db:
        for level, index, digest in db.execute(
            "SELECT level, node_index, hash FROM audit_tree_nodes ORDER BY level, node_index"
        ):
            last_leaf = ((index + 1) << level) - 1
            by_batch.setdefault(last_leaf // batch, []).append((level, index, bytes(digest)))
    return by_batch


def raw_copy(url: str, rows: list[LeafRow], nodes: Nodes, batch: int) -> float:
    """Rows/s of the raw insert: per transaction ``batch`` leaves and their batch's nodes,
    each table one binary COPY, committed (durable) before the next."""
    leaves = [
        (
            r.index,
            r.event_id,
            r.kind,
            r.debtor_id,
            r.loan_id,
            r.leaf_data,
            r.ciphertext,
            r.recorded_at,
        )
        for r in rows
    ]
    with psycopg.connect(_dsn(url)) as db:
        started = time.perf_counter()
        for number, start in enumerate(range(0, len(leaves), batch)):
            with db.transaction(), db.cursor() as cursor:
                with cursor.copy(f"COPY audit_leaves ({LEAF_COLUMNS}) {BINARY}") as copy:
                    copy.set_types(copy_types(schema.leaves))
                    for leaf in leaves[start : start + batch]:
                        copy.write_row(leaf)
                with cursor.copy(
                    f"COPY audit_tree_nodes (level, node_index, hash) {BINARY}"
                ) as copy:
                    copy.set_types(copy_types(schema.nodes))
                    for node in nodes.get(number, []):
                        copy.write_row(node)
        elapsed = time.perf_counter() - started
    return len(leaves) / elapsed
