"""Waiting sends in SQL: leased to one dispatcher, held, parked, re-driven, withdrawn."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.rows import deferral_of, pending_row
from services.notifier.adapters.sql.schema import (
    deferrals,
    send_ledger,
)
from services.notifier.domain.gate import LEASE
from services.notifier.domain.model import (
    HOLD_CONTACT_POINT,
    HOLD_EXPIRED,
    RELEASED,
    AlreadyDecided,
    Deferral,
    GateTicket,
    SendStatus,
)

_CHUNK = 500  # debtors per IN (...)


class SqlDeferrals(SqlBase):
    """Sends waiting in the database: deferred, held, parked, withdrawn (part of
    :class:`~services.notifier.ports.GateStore`)."""

    async def due_deferrals(self, now: datetime, limit: int) -> list[Deferral]:
        """Lease up to ``limit`` due deferrals to this worker for :data:`LEASE`."""
        async with self._guard() as conn:
            rows = (
                await conn.execute(
                    select(deferrals)
                    .where(
                        deferrals.c.due_at <= now,
                        or_(deferrals.c.lease_until.is_(None), deferrals.c.lease_until < now),
                    )
                    .order_by(deferrals.c.due_at)
                    .limit(limit)
                )
            ).all()
            leased: list[Deferral] = []
            for row in rows:
                taken = await conn.execute(
                    update(deferrals)
                    .where(
                        deferrals.c.send_key == row.send_key,
                        or_(deferrals.c.lease_until.is_(None), deferrals.c.lease_until < now),
                    )
                    .values(lease_until=now + LEASE)
                )
                if taken.rowcount:
                    leased.append(deferral_of(row))
        return leased

    async def deferred_count(self) -> int:
        async with self._engine.connect() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(deferrals))).scalar_one()
            )

    async def finish_deferral(self, deferral: Deferral) -> None:
        async with self._guard() as conn:
            await conn.execute(
                delete(deferrals).where(
                    and_(
                        deferrals.c.send_key == deferral.key,
                        deferrals.c.due_at == deferral.due_at,
                    )
                )
            )

    async def hold(self, ticket: GateTicket, *, until: datetime, reason: str) -> Deferral:
        async with self._guard() as conn:
            await self._lock(conn, ticket.debtor_id)
            if await self._settled(conn, ticket.key):
                raise AlreadyDecided(ticket.key)  # withdrawn or decided meanwhile
            stmt = self._dialect.insert(deferrals).values(
                **pending_row(ticket), due_at=until, hold=reason, held_since=ticket.at
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[deferrals.c.send_key],
                set_={
                    "due_at": until,
                    "lease_until": None,
                    "hold": reason,
                    "held_since": func.coalesce(deferrals.c.held_since, ticket.at),
                },
            )
            await conn.execute(stmt)
            row = (
                await conn.execute(select(deferrals).where(deferrals.c.send_key == ticket.key))
            ).one()
        return deferral_of(row)

    async def release_holds(self, debtor_id: str) -> int:
        return await self.release_holds_of([debtor_id])

    async def release_holds_of(self, debtor_ids: Collection[str]) -> int:
        async with self._guard() as conn:
            return await release_holds_in(conn, debtor_ids)

    async def withdraw(
        self,
        debtor_id: str,
        loan_id: str,
        *,
        episode: int | None = None,
        purpose: str | None = None,
        keep: str | None = None,
        at: datetime | None = None,
    ) -> list[Deferral]:
        where = [deferrals.c.debtor_id == debtor_id, deferrals.c.loan_id == loan_id]
        if episode is not None:
            where.append(deferrals.c.episode <= episode)
        if purpose is not None:
            where.append(deferrals.c.purpose == purpose)
        when = at or datetime.now(UTC)
        async with self._guard() as conn:
            await self._lock(conn, debtor_id)
            rows = (await conn.execute(select(deferrals).where(*where))).all()
            wanted = [r for r in rows if keep is None or not r.send_key.startswith(f"{keep}|")]
            # A row whose send the ledger already holds (the dispatcher is sending it now) is
            # left alone: it is not withdrawn, and its deferral stays for crash recovery.
            gone = [
                r
                for r in wanted
                if await self._settle_withdrawn(
                    conn, r.send_key, debtor_id, loan_id, r.channel, when
                )
            ]
        return [deferral_of(r) for r in gone]

    async def withdraw_send(self, ticket: GateTicket) -> bool:
        async with self._guard() as conn:
            await self._lock(conn, ticket.debtor_id)
            return await self._settle_withdrawn(
                conn, ticket.key, ticket.debtor_id, ticket.debt_id, ticket.channel, ticket.at
            )

    async def _settle_withdrawn(
        self,
        conn: AsyncConnection,
        key: str,
        debtor_id: str,
        loan_id: str,
        channel: str,
        at: datetime,
    ) -> bool:
        """Settle ``key`` WITHDRAWN and forget its deferral, unless the ledger already has it."""
        stmt = (
            self._dialect.insert(send_ledger)
            .values(
                send_key=key,
                debtor_id=debtor_id,
                loan_id=loan_id,
                channel=channel,
                status=SendStatus.WITHDRAWN.value,
                claimed_at=at,
                settled_at=at,
            )
            .on_conflict_do_nothing(index_elements=[send_ledger.c.send_key])
            .returning(send_ledger.c.send_key)
        )
        if (await conn.execute(stmt)).first() is None:
            return False
        await conn.execute(delete(deferrals).where(deferrals.c.send_key == key))
        return True

    async def redrive(self, debtor_id: str | None = None) -> int:
        where = [deferrals.c.hold == HOLD_EXPIRED]
        if debtor_id is not None:
            where.append(deferrals.c.debtor_id == debtor_id)
        async with self._guard() as conn:
            done = await conn.execute(
                update(deferrals)
                .where(*where)
                .values(due_at=RELEASED, lease_until=None, hold=HOLD_CONTACT_POINT, held_since=None)
            )
        return int(done.rowcount)


async def release_holds_in(conn: AsyncConnection, debtor_ids: Collection[str]) -> int:
    """Make every held send of the debtors due now, in the caller's transaction; how many.
    One prebuilt statement per chunk of debtors, at the driver (a batch of contact details
    releases its every debtor's holds: SQLAlchemy's expanding ``IN`` cost more than the
    update itself)."""
    debtors, released = sorted(set(debtor_ids)), 0
    dialect = conn.dialect
    due = (deferrals.c.due_at.type.bind_processor(dialect) or (lambda at: at))(RELEASED)
    for start in range(0, len(debtors), _CHUNK):
        chunk = debtors[start : start + _CHUNK]
        sql = _release_sql(len(chunk), dialect.paramstyle)
        done = await conn.exec_driver_sql(sql, (due, *chunk))
        released += int(done.rowcount)
    return released


@cache
def _release_sql(count: int, paramstyle: str) -> str:
    """The release of ``count`` debtors' held sends, in the driver's parameter style."""
    mark = "?" if paramstyle == "qmark" else "%s"
    marks = ", ".join(mark for _ in range(count))
    return (
        f"UPDATE notifier_deferrals SET due_at = {mark}, lease_until = NULL "  # noqa: S608
        f"WHERE hold IS NOT NULL AND debtor_id IN ({marks})"
    )
