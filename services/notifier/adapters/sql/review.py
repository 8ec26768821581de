"""Sends kept for a person's decision, in SQL (part of the notifier's SQL store)."""

from __future__ import annotations

from sqlalchemy import select, update

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import review_sends
from services.notifier.domain.review import KeptSend
from shared.database import as_utc


class SqlReviewSends(SqlBase):
    """:class:`~services.notifier.ports.ReviewSends` in ``notifier_review_sends``."""

    async def keep_send(self, send: KeptSend) -> None:
        stmt = (
            self._dialect.insert(review_sends)
            .values(
                send_key=send.key,
                debtor_id=send.debtor_id,
                loan_id=send.loan_id,
                episode=send.episode,
                purpose=send.purpose,
                request=send.request,
                kept_at=send.kept_at,
            )
            .on_conflict_do_nothing(index_elements=[review_sends.c.send_key])
        )
        async with self._guard() as conn:
            await conn.execute(stmt)

    async def kept_send(self, key: str) -> KeptSend | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(review_sends).where(review_sends.c.send_key == key))
            ).one_or_none()
        if row is None:
            return None
        return KeptSend(
            key=row.send_key,
            debtor_id=row.debtor_id,
            loan_id=row.loan_id,
            episode=int(row.episode),
            purpose=row.purpose,
            request=bytes(row.request),
            kept_at=as_utc(row.kept_at),
            withdrawn=row.withdrawn,
        )

    async def withdraw_kept(
        self,
        debtor_id: str,
        loan_id: str,
        *,
        reason: str,
        episode: int | None = None,
        purpose: str | None = None,
        keep: str | None = None,
    ) -> int:
        where = [
            review_sends.c.debtor_id == debtor_id,
            review_sends.c.loan_id == loan_id,
            review_sends.c.withdrawn.is_(None),
        ]
        if episode is not None:
            where.append(review_sends.c.episode <= episode)
        if purpose is not None:
            where.append(review_sends.c.purpose == purpose)
        if keep is not None:
            where.append(review_sends.c.send_key.not_like(f"{keep}|%"))
        async with self._guard() as conn:
            done = await conn.execute(
                update(review_sends).where(*where).values(withdrawn=reason[:300])
            )
        return int(done.rowcount)
