"""The notifier's store on SQLAlchemy Core: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.notifier.adapters.schema import (
    callbacks_seen,
    contact_log,
    deferrals,
    directory,
    directory_points,
    gate_locks,
    opt_outs,
    send_ledger,
)
from services.notifier.domain.gate import LEASE, history_since, ledger_status, reservation
from services.notifier.domain.model import (
    HOLD_CONTACT_POINT,
    HOLD_EXPIRED,
    RELEASED,
    AlreadyDecided,
    Deferral,
    DirectoryEntry,
    GateFacts,
    GateTicket,
    LedgerEntry,
    SendStatus,
    SentMessage,
)
from services.notifier.domain.policy.scenario import (
    Consent,
    Contact,
    Decision,
    GateChannel,
    Outcome,
)
from services.notifier.domain.sends import points_of
from shared.database import as_utc, is_unique_violation, migrate, ping
from shared.errors import RetryableError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _pending(ticket: GateTicket) -> dict[str, Any]:
    """A deferral row's identity columns, from the ticket."""
    return {
        "send_key": ticket.key,
        "channel": ticket.channel,
        "request": ticket.request,
        "debtor_id": ticket.debtor_id,
        "loan_id": ticket.debt_id,
        "episode": ticket.episode,
        "purpose": ticket.purpose,
    }


def _deferral(row: Any) -> Deferral:
    return Deferral(
        row.send_key,
        row.channel,
        as_utc(row.due_at),
        bytes(row.request),
        hold=row.hold,
        held_since=as_utc(row.held_since) if row.held_since else None,
    )


def _entry_json(entry: DirectoryEntry) -> str:
    data = asdict(entry)
    data["consents"] = [c.model_dump(mode="json") for c in entry.consents]
    return json.dumps(data)


def _entry(text: str) -> DirectoryEntry:
    data = json.loads(text)
    data["timezones"] = tuple(data["timezones"])
    data["consents"] = tuple(Consent.model_validate(c) for c in data["consents"])
    return DirectoryEntry(**data)


def _contact(row: Any) -> Contact:
    return Contact(
        at=as_utc(row.at),
        channel=row.channel,
        kind=row.kind,
        sender=row.sender,
        debt_id=row.debt_id,
        contact_point=row.contact_point,
    )


class SqlNotifierStore:
    """:class:`~services.notifier.ports.NotifierStore` in one relational database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    async def migrate(self) -> None:
        await migrate(self._engine, MIGRATIONS)

    async def ping(self) -> bool:
        return await ping(self._engine)

    # -- directory ---------------------------------------------------------------------------

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

    async def latest_loan(self, debtor_id: str) -> str | None:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(send_ledger.c.loan_id)
                .where(send_ledger.c.debtor_id == debtor_id, send_ledger.c.loan_id.is_not(None))
                .order_by(send_ledger.c.claimed_at.desc())
                .limit(1)
            )
            return found.scalar_one_or_none()

    async def first_time(self, callback_key: str, at: datetime) -> bool:
        stmt = (
            self._dialect.insert(callbacks_seen)
            .values(callback_key=callback_key, at=at)
            .on_conflict_do_nothing(index_elements=[callbacks_seen.c.callback_key])
            .returning(callbacks_seen.c.callback_key)
        )
        async with self._guard() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def get(self, debtor_id: str) -> DirectoryEntry | None:
        async with self._engine.connect() as conn:
            text = (
                await conn.execute(
                    select(directory.c.entry).where(directory.c.debtor_id == debtor_id)
                )
            ).scalar_one_or_none()
        return None if text is None else _entry(text)

    # -- ledger ------------------------------------------------------------------------------

    async def entry(self, key: str) -> LedgerEntry | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(send_ledger).where(send_ledger.c.send_key == key))
            ).one_or_none()
        if row is None:
            return None
        return LedgerEntry(key, SendStatus(row.status), row.provider_message_id, row.provider)

    async def settle(
        self,
        key: str,
        status: SendStatus,
        provider_message_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        async with self._guard() as conn:
            await conn.execute(
                update(send_ledger)
                .where(send_ledger.c.send_key == key)
                .values(
                    status=status.value,
                    provider_message_id=provider_message_id,
                    provider=provider,
                    settled_at=datetime.now(UTC),
                )
            )
            if status is SendStatus.SENT:
                await conn.execute(
                    update(contact_log)
                    .where(contact_log.c.contact_key == key)
                    .values(reserved=False)
                )
            elif status is SendStatus.FAILED:  # refused by the provider: it does not count
                await conn.execute(delete(contact_log).where(contact_log.c.contact_key == key))

    async def mark_attempt(self, key: str, provider: str) -> None:
        async with self._guard() as conn:
            await conn.execute(
                update(send_ledger)
                .where(
                    send_ledger.c.send_key == key,
                    send_ledger.c.status == SendStatus.PENDING.value,
                )
                .values(provider=provider)
            )

    async def release(self, key: str) -> None:
        async with self._guard() as conn:
            gone = await conn.execute(
                delete(send_ledger).where(
                    send_ledger.c.send_key == key, send_ledger.c.status == SendStatus.PENDING.value
                )
            )
            if gone.rowcount:
                await conn.execute(delete(contact_log).where(contact_log.c.contact_key == key))

    # -- gate --------------------------------------------------------------------------------

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

    async def _settled(self, conn: AsyncConnection, key: str) -> bool:
        found = await conn.execute(
            select(send_ledger.c.send_key).where(send_ledger.c.send_key == key)
        )
        return found.first() is not None

    async def _lock(self, conn: AsyncConnection, debtor_id: str) -> None:
        stmt = self._dialect.insert(gate_locks).values(debtor_id=debtor_id, version=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[gate_locks.c.debtor_id], set_={"version": gate_locks.c.version + 1}
        )
        await conn.execute(stmt)

    async def _facts(self, conn: AsyncConnection, ticket: GateTicket) -> GateFacts:
        since = history_since(ticket)
        rows = await conn.execute(
            select(contact_log).where(
                contact_log.c.debtor_id == ticket.debtor_id, contact_log.c.at >= since
            )
        )
        outs = await conn.execute(
            select(opt_outs.c.channel).where(opt_outs.c.debtor_id == ticket.debtor_id)
        )
        return GateFacts(history=[_contact(r) for r in rows], opt_outs=list(outs.scalars()))

    async def _act(self, conn: AsyncConnection, ticket: GateTicket, decision: Decision) -> None:
        if decision.outcome is Outcome.DEFER and decision.until is not None:
            stmt = self._dialect.insert(deferrals).values(
                **_pending(ticket), due_at=decision.until, hold=None, held_since=None
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
                    leased.append(_deferral(row))
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
                **_pending(ticket), due_at=until, hold=reason, held_since=ticket.at
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
        return _deferral(row)

    async def release_holds(self, debtor_id: str) -> int:
        async with self._guard() as conn:
            done = await conn.execute(
                update(deferrals)
                .where(deferrals.c.debtor_id == debtor_id, deferrals.c.hold.is_not(None))
                .values(due_at=RELEASED, lease_until=None)
            )
        return int(done.rowcount)

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
        return [_deferral(r) for r in gone]

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

    def _guard(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return _transaction(self._engine)


@asynccontextmanager
async def _transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction whose connection failures become retryable errors."""
    try:
        async with engine.begin() as conn:
            yield conn
    except OperationalError as e:
        raise RetryableError(f"notifier database unavailable: {type(e).__name__}") from e
