"""Several processes of a service starting at once on one new PostgreSQL database (a
Deployment's replicas, a rolling update) apply its migrations once, and each starts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from sqlalchemy import column, select, table

from shared.database import create_engine

ROOT = Path(__file__).resolve().parents[2]
#: One process's start-up migration, as the service's bootstrap runs it: connected, it says
#: so and waits for the word to go, so that every process begins at the same moment.
MIGRATE = """
import asyncio, sys
from pathlib import Path
from shared.database import create_engine, migrate, ping

async def main(url: str, folder: str) -> None:
    engine = create_engine(url)
    try:
        assert await ping(engine)
        print("ready", flush=True)
        sys.stdin.readline()
        await migrate(engine, Path(folder))
    finally:
        await engine.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def start_together(url: str, service: str, processes: int) -> None:
    """``processes`` processes migrating at once, each of which must succeed."""
    folder = str(ROOT / "services" / service / "migrations")
    started = [
        subprocess.Popen(  # noqa: S603 (this interpreter, the test's own arguments)
            [sys.executable, "-c", MIGRATE, url, folder],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    try:
        for process in started:
            assert process.stdout is not None
            assert process.stdout.readline() == b"ready\n"
        for process in started:
            assert process.stdin is not None
            process.stdin.write(b"go\n")
            process.stdin.flush()
        for process in started:
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err.decode()[-2000:]
    finally:
        for process in started:
            process.kill()


async def versions(url: str, service: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            recorded = table(f"{service}_alembic_version", column("version_num"))
            return [r[0] for r in await conn.execute(select(recorded.c.version_num))]
    finally:
        await engine.dispose()


async def test_replicas_starting_together_migrate_once(postgres_database: str) -> None:
    """Without the lock, the others fail creating the version table (each run, tried)."""
    await asyncio.to_thread(start_together, postgres_database, "notifier", 3)
    head = await versions(postgres_database, "notifier")
    assert len(head) == 1  # one head, recorded once
    await asyncio.to_thread(start_together, postgres_database, "notifier", 1)  # one more, later
    assert await versions(postgres_database, "notifier") == head
