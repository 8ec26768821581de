"""On the real PostgreSQL: a cut connection or an unreachable server is a RetryableError, and
the engine works again once the server is back."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import text

from shared.database import create_engine
from shared.errors import RetryableError

pytestmark = pytest.mark.postgres


async def test_a_connection_cut_by_the_server_is_retryable_and_the_engine_recovers(
    postgres_database: str,
) -> None:
    engine = create_engine(postgres_database)
    admin = sqlalchemy.create_engine(postgres_database, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(RetryableError, match="database unavailable"):
                await conn.execute(text("SELECT 1"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        admin.dispose()
        await engine.dispose()


async def test_an_unreachable_server_is_retryable() -> None:
    engine = create_engine("postgresql+psycopg://dunwell@127.0.0.1:9/postgres")
    try:
        with pytest.raises(RetryableError, match="database unavailable"):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
