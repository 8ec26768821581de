"""The contact directory in SQL: entries by debtor, an older event never winning."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
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


_FIELDS = tuple(f.name for f in fields(DirectoryEntry))


def _entry_json(entry: DirectoryEntry) -> str:
    """The entry as stored: its fields by name (``dataclasses.asdict``'s deep copy, without
    its cost), the time zones as a list, each consent as JSON."""
    data = {name: getattr(entry, name) for name in _FIELDS}
    data["timezones"] = list(entry.timezones)
    data["consents"] = [c.model_dump(mode="json") for c in entry.consents]
    return json.dumps(data)


def _entry(text: str) -> DirectoryEntry:
    data = json.loads(text)
    data["timezones"] = tuple(data["timezones"])
    data["consents"] = tuple(Consent.model_validate(c) for c in data["consents"])
    return DirectoryEntry(**data)


#: The batch upserts of entries (an older one never wins) and of contact points: the same
#: statements on SQLite and PostgreSQL, in SQLite's parameter style.
_UPSERT_ENTRIES = (
    "INSERT INTO notifier_directory (debtor_id, entry, as_of) VALUES (?, ?, ?) "
    "ON CONFLICT (debtor_id) DO UPDATE SET entry = excluded.entry, as_of = excluded.as_of "
    "WHERE notifier_directory.as_of < excluded.as_of"
)
_UPSERT_POINTS = (
    "INSERT INTO notifier_directory_points (point_id, debtor_id) VALUES (?, ?) "
    "ON CONFLICT (point_id) DO UPDATE SET debtor_id = excluded.debtor_id"
)


@cache
def _upserts(paramstyle: str) -> tuple[str, str]:
    """The two upserts in the driver's parameter style."""
    if paramstyle == "qmark":
        return _UPSERT_ENTRIES, _UPSERT_POINTS
    return _UPSERT_ENTRIES.replace("?", "%s"), _UPSERT_POINTS.replace("?", "%s")


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
        stored one, read back to see where it won, the winners' contact points, then every
        debtor's held sends made due. Prebuilt statements, the rows to the driver's executemany
        as tuples (SQLAlchemy's per-row processing cost more than the database's work)."""
        newest = {u.entry.debtor_id: (u, _entry_json(u.entry)) for u in newest_per_debtor(updates)}
        if not newest:
            return
        dialect = self._engine.dialect
        entries_sql, points_sql = _upserts(dialect.paramstyle)
        stamp: Callable[[datetime], Any] = directory.c.as_of.type.bind_processor(dialect) or (
            lambda at: at
        )
        rows = [(debtor, text, stamp(u.as_of)) for debtor, (u, text) in newest.items()]
        async with self._guard() as conn:
            await conn.exec_driver_sql(entries_sql, rows)  # a write first: the write lock
            kept = await _stored(conn, list(newest))
            points = {
                point: debtor
                for debtor, (u, text) in newest.items()
                if kept.get(debtor) == text
                for point in points_of(u.entry)
            }
            if points:
                await conn.exec_driver_sql(points_sql, list(points.items()))
            await release_holds_in(conn, newest)

    async def get(self, debtor_id: str) -> DirectoryEntry | None:
        async with self._engine.connect() as conn:
            text = (
                await conn.execute(
                    select(directory.c.entry).where(directory.c.debtor_id == debtor_id)
                )
            ).scalar_one_or_none()
        return None if text is None else _entry(text)


@cache
def _stored_sql(count: int, paramstyle: str) -> str:
    """The stored entries of ``count`` debtors, in the driver's parameter style."""
    mark = "?" if paramstyle == "qmark" else "%s"
    marks = ", ".join(mark for _ in range(count))
    return f"SELECT debtor_id, entry FROM notifier_directory WHERE debtor_id IN ({marks})"  # noqa: S608


async def _stored(conn: AsyncConnection, debtor_ids: list[str]) -> dict[str, str]:
    """The stored entry (its JSON) of each debtor: one prebuilt query per chunk."""
    found: dict[str, str] = {}
    paramstyle = conn.dialect.paramstyle
    for start in range(0, len(debtor_ids), _CHUNK):
        chunk = tuple(debtor_ids[start : start + _CHUNK])
        rows: Any = await conn.exec_driver_sql(_stored_sql(len(chunk), paramstyle), chunk)
        found.update({debtor: text for debtor, text in rows})
    return found
