"""The contact directory in SQL: entries by debtor, an older event never winning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.deferrals import release_holds_in
from services.notifier.adapters.sql.schema import (
    directory,
    directory_points,
)
from services.notifier.domain.model import (
    DirectoryEntry,
    DirectoryUpdate,
    newest_per_debtor,
)
from services.notifier.domain.policy.scenario import (
    Consent,
)
from services.notifier.domain.sends import points_of

_CHUNK = 500  # debtors per IN (...)


def _consent_json(value: object) -> Any:
    """What orjson does not know itself: a consent, as JSON."""
    if isinstance(value, Consent):
        return value.model_dump(mode="json")
    raise TypeError(type(value).__name__)


def _entry_json(entry: DirectoryEntry) -> str:
    """The entry as stored: its fields by name, the time zones as a list, each consent as
    JSON (orjson writes the dataclass itself: a few µs, against ~10 for ``json.dumps``)."""
    return orjson.dumps(entry, default=_consent_json).decode()


def _entry(text: str) -> DirectoryEntry:
    data = orjson.loads(text)
    data["timezones"] = tuple(data["timezones"])
    data["consents"] = tuple(Consent.model_validate(c) for c in data["consents"])
    return DirectoryEntry(**data)


#: The batch's upsert of entries (an older one never wins), saying which rows it wrote, and
#: the upsert of contact points: the same statements on SQLite and PostgreSQL, in SQLite's
#: parameter style. Rows an older entry would have overwritten are not returned.
_UPSERT_ENTRIES = (
    "INSERT INTO notifier_directory (debtor_id, entry, as_of) VALUES {values} "
    "ON CONFLICT (debtor_id) DO UPDATE SET entry = excluded.entry, as_of = excluded.as_of "
    "WHERE notifier_directory.as_of < excluded.as_of RETURNING debtor_id"
)
_UPSERT_POINTS = (
    "INSERT INTO notifier_directory_points (point_id, debtor_id) VALUES (?, ?) "
    "ON CONFLICT (point_id) DO UPDATE SET debtor_id = excluded.debtor_id"
)


@cache
def _upsert_entries_sql(count: int, paramstyle: str) -> str:
    """The upsert of ``count`` entries in one statement, in the driver's parameter style."""
    sql = _UPSERT_ENTRIES.format(values=", ".join("(?, ?, ?)" for _ in range(count)))
    return sql if paramstyle == "qmark" else sql.replace("?", "%s")


#: PostgreSQL's: every point in one statement over two arrays (psycopg's executemany runs the
#: statement once a row, which cost more of our CPU than the rest of the batch's transaction).
_UPSERT_POINTS_ARRAYS = (
    "INSERT INTO notifier_directory_points (point_id, debtor_id) "
    "SELECT * FROM unnest(%s::varchar[], %s::varchar[]) "
    "ON CONFLICT (point_id) DO UPDATE SET debtor_id = excluded.debtor_id"
)


async def _upsert_points(conn: AsyncConnection, links: dict[str, str]) -> None:
    """Point each contact point (unique: a dict's keys) at its debtor."""
    if conn.dialect.paramstyle == "qmark":
        await conn.exec_driver_sql(_UPSERT_POINTS, list(links.items()))
    else:
        await conn.exec_driver_sql(_UPSERT_POINTS_ARRAYS, (list(links), list(links.values())))


class SqlDirectory(SqlBase):
    """The contact directory (:class:`~services.notifier.ports.ContactDirectory`)."""

    async def upsert(self, contact: DirectoryEntry, *, as_of: datetime) -> None:
        values = {"debtor_id": contact.debtor_id, "entry": _entry_json(contact), "as_of": as_of}
        stmt = self._dialect.insert(directory).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[directory.c.debtor_id],
            set_={"entry": stmt.excluded.entry, "as_of": stmt.excluded.as_of},
            where=directory.c.as_of < stmt.excluded.as_of,  # an older event never wins
        ).returning(directory.c.debtor_id)
        async with self._guard() as conn:
            if (await conn.execute(stmt)).first() is None:
                return
            for point in points_of(contact):
                link = self._dialect.insert(directory_points).values(
                    point_id=point, debtor_id=contact.debtor_id
                )
                await conn.execute(
                    link.on_conflict_do_update(
                        index_elements=[directory_points.c.point_id],
                        set_={"debtor_id": link.excluded.debtor_id},
                    )
                )

    async def upsert_many(self, updates: Sequence[DirectoryUpdate]) -> None:
        """One transaction: every debtor's newest entry written where it is newer than the
        stored one (one upsert per chunk, returning where it won), the winners' contact
        points, then every debtor's held sends made due. Prebuilt statements, the rows to the
        driver as tuples (SQLAlchemy's per-row processing cost more than the database's work);
        everything but the database's work is done before the writer's turn."""
        newest = newest_per_debtor(updates)
        if not newest:
            return
        stamp = _stamp(self._engine.dialect)
        rows = [(u.entry.debtor_id, _entry_json(u.entry), stamp(u.as_of)) for u in newest]
        points = {u.entry.debtor_id: points_of(u.entry) for u in newest}
        async with self._guard() as conn:
            won = await _upsert_entries(conn, rows)
            # In batch order: of two winners sharing a point, the later one keeps it.
            links = {p: debtor for debtor, ps in points.items() if debtor in won for p in ps}
            if links:
                await _upsert_points(conn, links)
            await release_holds_in(conn, points)

    async def get(self, debtor_id: str) -> DirectoryEntry | None:
        async with self._engine.connect() as conn:
            text = (
                await conn.execute(
                    select(directory.c.entry).where(directory.c.debtor_id == debtor_id)
                )
            ).scalar_one_or_none()
        return None if text is None else _entry(text)


def _stamp(dialect: Dialect) -> Callable[[datetime], Any]:
    """A time as the driver takes it for the directory's ``as_of``."""
    return directory.c.as_of.type.bind_processor(dialect) or (lambda at: at)


async def _upsert_entries(conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> set[str]:
    """Upsert the entries' rows (one per debtor); the debtors whose row was written."""
    won: set[str] = set()
    paramstyle = conn.dialect.paramstyle
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        flat = tuple(value for row in chunk for value in row)
        found: Any = await conn.exec_driver_sql(_upsert_entries_sql(len(chunk), paramstyle), flat)
        won.update(debtor for (debtor,) in found)
    return won
