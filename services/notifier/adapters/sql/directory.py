"""The contact directory in SQL: entries by debtor, an older event never winning."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import (
    directory,
    directory_points,
)
from services.notifier.domain.model import (
    DirectoryEntry,
)
from services.notifier.domain.policy.scenario import (
    Consent,
)
from services.notifier.domain.sends import points_of


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

    async def get(self, debtor_id: str) -> DirectoryEntry | None:
        async with self._engine.connect() as conn:
            text = (
                await conn.execute(
                    select(directory.c.entry).where(directory.c.debtor_id == debtor_id)
                )
            ).scalar_one_or_none()
        return None if text is None else _entry(text)
