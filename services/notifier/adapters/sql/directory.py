"""The contact directory in SQL: entries by debtor, an older event never winning."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifier.adapters.sql.base import SqlBase
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


def _entry_json(entry: DirectoryEntry) -> str:
    data = asdict(entry)
    data["consents"] = [c.model_dump(mode="json") for c in entry.consents]
    return json.dumps(data)


def _entry(text: str) -> DirectoryEntry:
    data = json.loads(text)
    data["timezones"] = tuple(data["timezones"])
    data["consents"] = tuple(Consent.model_validate(c) for c in data["consents"])
    return DirectoryEntry(**data)


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
        stored one, read back to see where it won, then the winners' contact points."""
        newest = {u.entry.debtor_id: (u, _entry_json(u.entry)) for u in newest_per_debtor(updates)}
        if not newest:
            return
        rows = [
            {"debtor_id": debtor, "entry": text, "as_of": u.as_of}
            for debtor, (u, text) in newest.items()
        ]
        async with self._guard() as conn:
            await conn.execute(self._upsert_entries(), rows)  # a write first: the write lock
            kept = await self._stored(conn, list(newest))
            points = {
                point: debtor
                for debtor, (u, text) in newest.items()
                if kept.get(debtor) == text
                for point in points_of(u.entry)
            }
            if points:
                links = [{"point_id": p, "debtor_id": d} for p, d in points.items()]
                await conn.execute(self._upsert_points(), links)

    def _upsert_entries(self) -> Any:
        stmt = self._dialect.insert(directory)
        return stmt.on_conflict_do_update(
            index_elements=[directory.c.debtor_id],
            set_={"entry": stmt.excluded.entry, "as_of": stmt.excluded.as_of},
            where=directory.c.as_of < stmt.excluded.as_of,  # an older event never wins
        )

    def _upsert_points(self) -> Any:
        link = self._dialect.insert(directory_points)
        return link.on_conflict_do_update(
            index_elements=[directory_points.c.point_id],
            set_={"debtor_id": link.excluded.debtor_id},
        )

    @staticmethod
    async def _stored(conn: AsyncConnection, debtor_ids: list[str]) -> dict[str, str]:
        """The stored entry (its JSON) of each debtor."""
        found: dict[str, str] = {}
        for start in range(0, len(debtor_ids), _CHUNK):
            chunk = debtor_ids[start : start + _CHUNK]
            result = await conn.execute(
                select(directory.c.debtor_id, directory.c.entry).where(
                    directory.c.debtor_id.in_(chunk)
                )
            )
            found.update({r.debtor_id: r.entry for r in result})
        return found

    async def get(self, debtor_id: str) -> DirectoryEntry | None:
        async with self._engine.connect() as conn:
            text = (
                await conn.execute(
                    select(directory.c.entry).where(directory.c.debtor_id == debtor_id)
                )
            ).scalar_one_or_none()
        return None if text is None else _entry(text)
