"""Async SQLAlchemy engines for SQLite (default) and PostgreSQL (production)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, select, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.errors import RetryableError


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine for ``url``; SQLite gets WAL, synchronous=FULL and a busy timeout.

    A database that cannot be reached, or that cut the connection (a restart, a failover),
    raises :class:`RetryableError`: callers back off and try again instead of crashing.
    PostgreSQL connections are not pinged at each checkout (a round trip per transaction):
    a connection the server dropped fails its first statement as a disconnect, which
    invalidates the pool and is retryable, so the retry runs on fresh connections.

    :param url: ``sqlite+aiosqlite:///path`` or ``postgresql+psycopg://user@host:port/db``.
    :param pool_size: PostgreSQL connections kept open (as many as the caller's concurrency).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_async_engine(
            url, pool_pre_ping=False, pool_size=pool_size, max_overflow=pool_size
        )
    else:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "handle_error", _unavailable_is_retryable)
    return engine


#: PostgreSQL SQLSTATEs that a retry can outlive: connection exceptions (class 08), the server
#: shutting down or starting (57P01-57P03), too many connections, serialization and deadlock.
_TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300", "40001", "40P01"})


def is_transient(error: BaseException | None, *, disconnected: bool, connecting: bool) -> bool:
    """Whether a database error will likely pass if the same work is tried again later.

    :param error: SQLAlchemy's wrapping of the driver's error (``.orig`` is the driver's).
    :param disconnected: the driver reported a lost connection.
    :param connecting: the error came while opening a connection.
    """
    if disconnected:
        return True
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES
    if not isinstance(error, OperationalError):
        return False
    return connecting or "database is locked" in str(error.orig)  # refused, reset; SQLite busy


def _unavailable_is_retryable(context: ExceptionContext) -> None:
    if context.is_pre_ping:
        return  # the pool replaces a dead pooled connection itself
    error = context.sqlalchemy_exception
    if is_transient(
        error, disconnected=context.is_disconnect, connecting=context.connection is None
    ):
        name = type(context.original_exception).__name__
        raise RetryableError(f"database unavailable: {name}", defer_s=1.0) from error


#: WAL pages between SQLite's automatic checkpoints (its default is 1,000).
WAL_AUTOCHECKPOINT_PAGES = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; FULL makes each commit survive power loss.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # 64 MiB of page cache (the default is 2 MiB): index inserts stay in memory as tables grow.
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoint after 10,000 WAL pages (~40 MiB), not 1,000: an index page that many commits
    # dirty in turn (random keys) is copied into the database once per checkpoint, not each time.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cursor.close()


def is_unique_violation(error: BaseException) -> bool:
    """Whether a database error is a unique-constraint violation (SQLite or PostgreSQL).

    :param error: the ``IntegrityError`` or its cause.
    """
    text = str(error).lower()
    return "unique" in text or "duplicate key" in text


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime from a column value (SQLite returns naive UTC, PostgreSQL aware).

    :param value: the value read from the database.
    """
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The PostgreSQL advisory lock a migration holds (any 64-bit key no other code takes):
#: processes starting together on one database (a Deployment's replicas, a rolling update)
#: migrate one after the other; the later ones find the schema at head and change nothing.
MIGRATION_LOCK = 0x44756E77656C6C  # "Dunwell"


async def migrate(engine: AsyncEngine, script_location: Path) -> None:
    """Apply a service's Alembic migrations up to head, on the service's own engine; on
    PostgreSQL under an advisory lock held to the migration's commit (``MIGRATION_LOCK``).

    :param script_location: the service's ``migrations`` folder (``env.py`` and ``versions``).
    """

    def upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = Config()
        config.set_main_option("script_location", str(script_location))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)


async def ping(engine: AsyncEngine) -> bool:
    """Whether the database answers (readiness).

    :param engine: the service's engine.
    """
    try:
        async with engine.connect() as conn:
            await conn.execute(select(1))
    except OperationalError:
        return False
    return True
