"""The email part of the SQL store: bounced contact points and kept mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import bounced_points, kept_mail
from services.notifier.domain.email_inbound import KeptMail


class SqlEmail(SqlBase):
    """the email part of :class:`~services.notifier.ports.CallbackStore` in SQL."""

    async def mark_undeliverable(self, debtor_id: str, point_id: str, at: datetime) -> bool:
        stmt = (
            self._dialect.insert(bounced_points)
            .values(debtor_id=debtor_id, point_id=point_id, at=at)
            .on_conflict_do_nothing(
                index_elements=[bounced_points.c.debtor_id, bounced_points.c.point_id]
            )
            .returning(bounced_points.c.point_id)
        )
        async with self._guard() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def undeliverable(self, debtor_id: str) -> frozenset[str]:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(bounced_points.c.point_id).where(bounced_points.c.debtor_id == debtor_id)
            )
            return frozenset(found.scalars())

    async def keep_mail(self, mail: KeptMail) -> bool:
        stmt = (
            self._dialect.insert(kept_mail)
            .values(
                mail_key=mail.key,
                at=mail.at,
                reason=mail.reason,
                sender_point=mail.sender_point,
                raw=mail.raw,
            )
            .on_conflict_do_nothing(index_elements=[kept_mail.c.mail_key])
            .returning(kept_mail.c.mail_key)
        )
        async with self._guard() as conn:
            return (await conn.execute(stmt)).first() is not None
