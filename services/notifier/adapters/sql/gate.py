"""The gate's transaction in SQL: lock the debtor, read the facts, judge, act."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.holds import open_holds
from services.notifier.adapters.sql.rows import contact_of, pending_row
from services.notifier.adapters.sql.schema import (
    contact_log,
    deferrals,
    opt_outs,
    send_ledger,
    unusable_points,
)
from services.notifier.domain.gate import history_since, ledger_status, reservation
from services.notifier.domain.model import (
    AlreadyDecided,
    GateFacts,
    GateTicket,
)
from services.notifier.domain.policy.scenario import (
    Contact,
    Decision,
    GateChannel,
    Outcome,
)
from shared.database import is_unique_violation


async def read_facts(conn: AsyncConnection, debtor_id: str, since: datetime) -> GateFacts:
    """What the gate reads about a debtor: contacts since ``since``, opt-outs, unusable points,
    open disputes."""
    rows = await conn.execute(
        select(contact_log).where(contact_log.c.debtor_id == debtor_id, contact_log.c.at >= since)
    )
    outs = await conn.execute(select(opt_outs.c.channel).where(opt_outs.c.debtor_id == debtor_id))
    bad = await conn.execute(
        select(unusable_points.c.point_id).where(unusable_points.c.debtor_id == debtor_id)
    )
    return GateFacts(
        history=[contact_of(r) for r in rows],
        opt_outs=list(outs.scalars()),
        unusable=frozenset(bad.scalars()),
        holds=await open_holds(conn, debtor_id),
    )


class SqlGate(SqlBase):
    """The gate's decisions and the contacts they count (part of
    :class:`~services.notifier.ports.GateStore`)."""

    async def decide(self, ticket: GateTicket, judge: Callable[[GateFacts], Decision]) -> Decision:
        try:
            async with self._guard() as conn:
                await self._lock(conn, ticket.debtor_id)
                # Settled (or withdrawn) already: never deferred or claimed again.
                if await self._settled(conn, ticket.key):
                    raise AlreadyDecided(ticket.key)
                decision = judge(await self._facts(conn, ticket))
                await self._act(conn, ticket, decision)
                return decision
        except IntegrityError as e:
            if is_unique_violation(e):
                raise AlreadyDecided(ticket.key) from e
            raise

    async def _facts(self, conn: AsyncConnection, ticket: GateTicket) -> GateFacts:
        return await read_facts(conn, ticket.debtor_id, history_since(ticket))

    async def _act(self, conn: AsyncConnection, ticket: GateTicket, decision: Decision) -> None:
        if decision.outcome is Outcome.DEFER and decision.until is not None:
            stmt = self._dialect.insert(deferrals).values(
                **pending_row(ticket), due_at=decision.until, hold=None, held_since=None
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[deferrals.c.send_key],
                set_={
                    "due_at": stmt.excluded.due_at,
                    "lease_until": None,
                    "hold": None,
                    "held_since": None,
                },
            )
            await conn.execute(stmt)
            return
        status = ledger_status(decision)
        await conn.execute(
            insert(send_ledger).values(
                send_key=ticket.key,
                debtor_id=ticket.debtor_id,
                loan_id=ticket.debt_id,
                channel=ticket.channel,
                status=status.value,
                claimed_at=ticket.at,
            )
        )
        if decision.outcome is Outcome.ALLOW:
            await conn.execute(
                insert(contact_log).values(
                    contact_key=ticket.key,
                    debtor_id=ticket.debtor_id,
                    reserved=True,
                    **reservation(ticket).model_dump(),
                )
            )

    async def record_contact(self, debtor_id: str, contact: Contact, *, key: str) -> bool:
        stmt = (
            self._dialect.insert(contact_log)
            .values(
                contact_key=key,
                debtor_id=debtor_id,
                debt_id=contact.debt_id,
                channel=contact.channel,
                kind=contact.kind,
                sender=contact.sender,
                contact_point=contact.contact_point,
                at=contact.at,
                reserved=False,
            )
            .on_conflict_do_nothing(index_elements=[contact_log.c.contact_key])
            .returning(contact_log.c.contact_key)
        )
        async with self._guard() as conn:
            await self._lock(conn, debtor_id)
            return (await conn.execute(stmt)).first() is not None

    async def record_opt_out(self, debtor_id: str, channel: GateChannel, at: datetime) -> None:
        stmt = (
            self._dialect.insert(opt_outs)
            .values(debtor_id=debtor_id, channel=channel, at=at)
            .on_conflict_do_nothing(index_elements=[opt_outs.c.debtor_id, opt_outs.c.channel])
        )
        async with self._guard() as conn:
            await self._lock(conn, debtor_id)
            await conn.execute(stmt)
