"""One contract for the notifier's kept review sends: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.adapters.sql.store import SqlNotifierStore
from services.notifier.domain.review import KeptSend
from services.notifier.ports import NotifierStore
from shared.database import create_engine

NOW = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[NotifierStore]:
    if request.param == "memory":
        yield InMemoryNotifierStore()
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/notifier.db"
    else:
        url = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    sql = SqlNotifierStore(engine)
    await sql.migrate()
    yield sql
    await engine.dispose()


def kept(
    request: str, *, loan: str = "loan-1", episode: int = 1, purpose: str = "overdue_notice"
) -> KeptSend:
    return KeptSend(
        key=f"{request}|email",
        debtor_id="d1",
        loan_id=loan,
        episode=episode,
        purpose=purpose,
        request=b'{"request": "' + request.encode() + b'"}',
        kept_at=NOW,
    )


async def test_a_send_is_kept_once_as_it_first_was(store: NotifierStore) -> None:
    first = kept("r1")
    await store.keep_send(first)
    await store.keep_send(KeptSend(**{**first.__dict__, "request": b"{}"}))
    assert await store.kept_send("r1|email") == first
    assert await store.kept_send("nope|email") is None


async def test_a_withdrawal_marks_what_it_selects_and_nothing_else(store: NotifierStore) -> None:
    for each in (
        kept("r1"),
        kept("r2", episode=2),
        kept("r3", loan="loan-2"),
        kept("r4", purpose="visit_notice"),
        kept("r5"),
    ):
        await store.keep_send(each)
    assert await store.withdraw_kept("d1", "loan-1", reason="cured", episode=1) == 3  # r1 r4 r5
    assert await store.withdraw_kept("d1", "loan-1", reason="again", episode=1) == 0
    later = await store.withdraw_kept(
        "d1", "loan-1", reason="superseded by r9", purpose="overdue_notice", keep="r2"
    )
    assert later == 0  # r2 is the one kept; the others are withdrawn already
    assert await store.withdraw_kept("d1", "loan-1", reason="by r9", keep="r9") == 1  # r2
    found = {k: await store.kept_send(f"{k}|email") for k in ("r1", "r2", "r3", "r4")}
    assert {k: v.withdrawn if v else "gone" for k, v in found.items()} == {
        "r1": "cured",
        "r2": "by r9",
        "r3": None,
        "r4": "cured",
    }
