"""Every SQLite connection of ``create_engine`` runs in WAL with full syncs, a busy timeout,
a large page cache and checkpoints spaced for batched writes."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from shared.database import WAL_AUTOCHECKPOINT_PAGES, create_engine


async def test_a_file_database_gets_the_pragmas(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db' / 'x.db'}")
    try:
        async with engine.connect() as connection:
            found = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in (
                    "journal_mode",
                    "synchronous",
                    "busy_timeout",
                    "cache_size",
                    "wal_autocheckpoint",
                )
            }
    finally:
        await engine.dispose()
    assert found == {
        "journal_mode": "wal",
        "synchronous": 2,  # FULL
        "busy_timeout": 5000,
        "cache_size": -65536,
        "wal_autocheckpoint": WAL_AUTOCHECKPOINT_PAGES,
    }
