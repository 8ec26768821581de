"""Which failures a caller retries: database errors and the HTTP answer to them."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from shared.database import is_transient
from shared.errors import RetryableError
from shared.web import retryable_as_503


class DriverError(Exception):
    """A driver's error as SQLAlchemy wraps it: a message and, from PostgreSQL, a SQLSTATE."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def wrapped(kind: type[DBAPIError], message: str, sqlstate: str | None = None) -> DBAPIError:
    return kind("SELECT 1", {}, DriverError(message, sqlstate))


def test_lost_connections_and_server_restarts_are_transient() -> None:
    assert is_transient(None, disconnected=True, connecting=False)
    refused = wrapped(OperationalError, "connection refused")
    assert is_transient(refused, disconnected=False, connecting=True)
    for state in ("08006", "08001", "57P01", "57P03", "40001", "40P01", "53300"):
        error = wrapped(OperationalError, "x", state)
        assert is_transient(error, disconnected=False, connecting=False), state
    locked = wrapped(OperationalError, "database is locked")
    assert is_transient(locked, disconnected=False, connecting=False)


def test_bugs_and_bad_data_are_not_transient() -> None:
    for state in ("42P01", "23505", "22P02"):  # no such table, unique violation, bad input
        error = wrapped(ProgrammingError, "x", state)
        assert not is_transient(error, disconnected=False, connecting=False), state
    missing = wrapped(OperationalError, "no such table: sends")
    assert not is_transient(missing, disconnected=False, connecting=False)
    unique = wrapped(IntegrityError, "UNIQUE constraint failed")
    assert not is_transient(unique, disconnected=False, connecting=True)


async def test_a_retryable_failure_answers_503_with_retry_after(aiohttp_client: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise RetryableError("database unavailable: OperationalError", defer_s=2.5)

    async def fine(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application(middlewares=[retryable_as_503])
    app.router.add_get("/down", handler)
    app.router.add_get("/up", fine)
    client = await aiohttp_client(app)
    response = await client.get("/down")
    assert response.status == 503
    assert response.headers["Retry-After"] == "3"
    assert (await response.json())["reason"] == "database unavailable: OperationalError"
    assert (await client.get("/up")).status == 200
