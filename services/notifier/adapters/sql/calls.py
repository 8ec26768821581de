"""The pre-call gate's calls in SQL: each asked once, reserved in the contact log, released
when unused, reported once; all under the debtor's gate lock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notifier.adapters.sql.base import SqlBase
from services.notifier.adapters.sql.gate import read_facts
from services.notifier.adapters.sql.schema import calls, contact_log, opt_outs, unusable_points
from services.notifier.domain.call_effects import CALL_KINDS, CallEffects
from services.notifier.domain.calls import (
    CallAsk,
    CallRecord,
    CallReport,
    CallTicket,
    reservation_key,
)
from services.notifier.domain.gate import HISTORY
from services.notifier.domain.model import GateFacts
from services.notifier.domain.policy.scenario import Contact, Decision, Outcome
from shared.database import as_utc, is_unique_violation


def _record(row: Any) -> CallRecord:
    return CallRecord(
        call_id=row.call_id,
        ask=CallAsk.model_validate_json(row.ask),
        ask_sha256=row.ask_sha256,
        point_id=row.point_id,
        asked_at=as_utc(row.asked_at),
        decision=Decision.model_validate_json(row.decision),
        state=row.state,
        expires_at=as_utc(row.expires_at) if row.expires_at else None,
        report=CallReport.model_validate_json(row.report) if row.report else None,
        report_sha256=row.report_sha256,
    )


def _contact_row(debtor_id: str, key: str, contact: Contact, *, reserved: bool) -> dict[str, Any]:
    return {
        "contact_key": key,
        "debtor_id": debtor_id,
        "reserved": reserved,
        **contact.model_dump(),
    }


class SqlCalls(SqlBase):
    """:class:`~services.notifier.ports.CallStore` in the notifier's database."""

    async def decide_call(
        self, ticket: CallTicket, judge: Callable[[GateFacts], Decision]
    ) -> tuple[CallRecord, bool]:
        try:
            return await self._decide_call(ticket, judge)
        except IntegrityError as e:
            # The same key asked at once for another debtor (another lock): the first stands.
            found = await self.call(ticket.call_id) if is_unique_violation(e) else None
            if found is None:
                raise
            return found, False

    async def _decide_call(
        self, ticket: CallTicket, judge: Callable[[GateFacts], Decision]
    ) -> tuple[CallRecord, bool]:
        async with self._guard() as conn:
            await self._lock(conn, ticket.debtor_id)
            found = await self._find(conn, ticket.call_id)
            if found is not None:
                return found, False
            await self._release(conn, ticket.at, ticket.debtor_id)
            decision = judge(await read_facts(conn, ticket.debtor_id, ticket.at - HISTORY))
            allowed = decision.outcome is Outcome.ALLOW
            record = CallRecord.decided(ticket, decision)
            await conn.execute(insert(calls).values(**_values(record)))
            if allowed:
                rows = [
                    _contact_row(ticket.debtor_id, key, contact, reserved=True)
                    for key, contact in ticket.reservations()
                ]
                await conn.execute(insert(contact_log), rows)
            return record, True

    async def call(self, call_id: str) -> CallRecord | None:
        async with self._engine.connect() as conn:
            return await self._find(conn, call_id)

    async def report_call(
        self, call_id: str, report: CallReport, effects: CallEffects
    ) -> tuple[CallRecord, bool]:
        known = await self.call(call_id)
        if known is None:
            raise KeyError(call_id)
        debtor = known.debtor_id
        async with self._guard() as conn:
            await self._lock(conn, debtor)
            record = await self._find(conn, call_id)
            if record is None or record.state == "reported":
                return record or known, False
            await conn.execute(
                delete(contact_log).where(contact_log.c.contact_key.in_(effects.keys))
            )
            rows = [_contact_row(debtor, k, c, reserved=False) for k, c in effects.counted]
            await conn.execute(insert(contact_log), rows)
            await self._mark(conn, debtor, effects, report.started_at)
            await conn.execute(
                update(calls)
                .where(calls.c.call_id == call_id)
                .values(
                    state="reported",
                    expires_at=None,
                    report=report.model_dump_json(),
                    report_sha256=report.sha256(),
                )
            )
            return await self._find(conn, call_id) or known, True

    async def _mark(
        self, conn: AsyncConnection, debtor: str, effects: CallEffects, at: datetime
    ) -> None:
        """A wrong number never used again; "stop calling" kept as a voice opt-out."""
        if effects.unusable is not None:
            stmt = self._dialect.insert(unusable_points).values(
                debtor_id=debtor, point_id=effects.unusable, at=at
            )
            await conn.execute(stmt.on_conflict_do_nothing())
        if effects.voice_opt_out:
            stmt = self._dialect.insert(opt_outs).values(debtor_id=debtor, channel="voice", at=at)
            await conn.execute(stmt.on_conflict_do_nothing())

    async def release_expired_calls(self, now: datetime) -> int:
        async with self._engine.connect() as conn:
            found = await conn.execute(
                select(calls.c.debtor_id)
                .where(calls.c.state == "reserved", calls.c.expires_at <= now)
                .distinct()
            )
            debtors = list(found.scalars())
        released = 0
        for debtor in debtors:
            async with self._guard() as conn:
                await self._lock(conn, debtor)
                released += await self._release(conn, now, debtor)
        return released

    async def _release(self, conn: AsyncConnection, now: datetime, debtor: str) -> int:
        """The debtor's reservations unused by ``now``: their contacts gone, the calls expired."""
        found = await conn.execute(
            select(calls.c.call_id).where(
                calls.c.debtor_id == debtor,
                calls.c.state == "reserved",
                calls.c.expires_at <= now,
            )
        )
        ids = list(found.scalars())
        if not ids:
            return 0
        keys = [reservation_key(i, kind) for i in ids for kind in CALL_KINDS]
        await conn.execute(delete(contact_log).where(contact_log.c.contact_key.in_(keys)))
        await conn.execute(update(calls).where(calls.c.call_id.in_(ids)).values(state="expired"))
        return len(ids)

    async def _find(self, conn: AsyncConnection, call_id: str) -> CallRecord | None:
        row = (await conn.execute(select(calls).where(calls.c.call_id == call_id))).one_or_none()
        return _record(row) if row is not None else None


def _values(record: CallRecord) -> dict[str, Any]:
    return {
        "call_id": record.call_id,
        "debtor_id": record.debtor_id,
        "ask": record.ask.model_dump_json(),
        "ask_sha256": record.ask_sha256,
        "point_id": record.point_id,
        "asked_at": record.asked_at,
        "decision": record.decision.model_dump_json(),
        "state": record.state,
        "expires_at": record.expires_at,
    }
