"""What provider callbacks look up in SQL: the send, the debtor, the latest loan, replays."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, or_, select

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.schema import (
    callbacks_seen,
    directory_points,
    send_ledger,
)
from services.notifier.domain.model import (
    SendStatus,
    SentMessage,
)
from shared.database import as_utc
from shared.events import Channel

#: The sends a list of provider ids names (one look-up for a list of receipts).
_SENDS = select(
    send_ledger.c.provider_message_id,
    send_ledger.c.send_key,
    send_ledger.c.debtor_id,
    send_ledger.c.loan_id,
    send_ledger.c.channel,
).where(send_ledger.c.provider_message_id.in_(bindparam("ids", expanding=True)))


class SqlCallbacks(SqlBase):
    """What provider callbacks look up (:class:`~services.notifier.ports.CallbackStore`)."""

    async def find_debtor(self, point_id: str) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(directory_points.c.debtor_id).where(directory_points.c.point_id == point_id)
            )
            return found.scalar_one_or_none()

    async def find_send(self, provider_message_ids: list[str]) -> SentMessage | None:
        if not provider_message_ids:
            return None
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(send_ledger)
                    .where(send_ledger.c.provider_message_id.in_(provider_message_ids))
                    .limit(1)
                )
            ).one_or_none()
        if row is None:
            return None
        return SentMessage(row.send_key, row.debtor_id, row.loan_id, row.channel)

    async def find_sends(self, ids: Collection[str]) -> dict[str, SentMessage]:
        wanted = list({i for i in ids if i})
        if not wanted:
            return {}
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_SENDS, {"ids": wanted})).all()
        return {
            r.provider_message_id: SentMessage(r.send_key, r.debtor_id, r.loan_id, r.channel)
            for r in rows
        }

    async def latest_loan(self, debtor_id: str) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(send_ledger.c.loan_id)
                .where(send_ledger.c.debtor_id == debtor_id, send_ledger.c.loan_id.is_not(None))
                .order_by(send_ledger.c.claimed_at.desc())
                .limit(1)
            )
            return found.scalar_one_or_none()

    async def unnamed_sends(self, debtor_id: str, channel: Channel) -> list[SentMessage]:
        """PENDING and UNCERTAIN sends, and SENT ones known only by our own key (a WeChat
        subscribe message), oldest first."""
        c = send_ledger.c
        unnamed = or_(
            c.status.in_([SendStatus.PENDING.value, SendStatus.UNCERTAIN.value]),
            and_(c.status == SendStatus.SENT.value, c.provider_message_id == c.send_key),
        )
        query = (
            select(send_ledger)
            .where(c.debtor_id == debtor_id, c.channel == channel, unnamed)
            .order_by(c.claimed_at)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            SentMessage(
                r.send_key,
                r.debtor_id,
                r.loan_id,
                r.channel,
                SendStatus(r.status),
                as_utc(r.claimed_at),
            )
            for r in rows
        ]

    async def first_time(self, callback_key: str, at: datetime) -> bool:
        stmt = (
            self._dialect.insert(callbacks_seen)
            .values(callback_key=callback_key, at=at)
            .on_conflict_do_nothing(index_elements=[callbacks_seen.c.callback_key])
            .returning(callbacks_seen.c.callback_key)
        )
        async with self._guard() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def first_times(self, seen: Sequence[tuple[str, datetime]]) -> list[bool]:
        if not seen:
            return []
        rows = [{"callback_key": k, "at": at} for k, at in dict(seen).items()]
        stmt = (
            self._dialect.insert(callbacks_seen)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[callbacks_seen.c.callback_key])
            .returning(callbacks_seen.c.callback_key)
        )
        async with self._guard() as conn:
            fresh = set((await conn.execute(stmt)).scalars())
        first = []
        for key, _ in seen:  # a key twice in the batch: the first of them is the first time
            first.append(key in fresh)
            fresh.discard(key)
        return first
