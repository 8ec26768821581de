"""Contract suites' adapters: each suite runs on memory, SQLite and PostgreSQL, and the two SQL
kinds differ only in the database they open (a file in the test's folder, or a new database on
the test server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.store import SqlDeskStore
from shared.database import create_engine

#: The parameters of every contract fixture that covers all three kinds of store.
KINDS: Final = ["memory", "sqlite", "postgres"]


def database_url(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> str:
    """The database of a SQL parameter: a SQLite file named ``name``, or an empty PostgreSQL
    database (the ``postgres_database`` fixture, dropped after the test)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
    return str(request.getfixturevalue("postgres_database"))


@asynccontextmanager
async def desk_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine | None]:
    """The desk's migrated database for a SQL parameter (disposed of afterwards), or None for
    the memory one."""
    if request.param == "memory":
        yield None
        return
    engine = create_engine(database_url(request, tmp_path, "desk"))
    desk = SqlDeskStore(engine)
    await desk.migrate()
    try:
        yield engine
    finally:
        await desk.close()
