"""A consumed batch of sends in SQL: one read, one claim transaction, one transaction noting
providers, one settle transaction (part of :class:`~services.notifier.ports.SendBatches`).

Statements are built once, here, with expanding parameters; each transaction issues a fixed
number of them whatever the batch's size (``executemany`` for the rows it writes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import BindParameter

from services.notifier.adapters.sql.deferrals import SqlDeferrals
from services.notifier.adapters.sql.directory import _entry
from services.notifier.adapters.sql.gate import SqlGate
from services.notifier.adapters.sql.rows import contact_of, deferral_of
from services.notifier.adapters.sql.schema import (
    bounced_points,
    contact_log,
    debt_holds,
    deferrals,
    directory,
    gate_locks,
    opt_outs,
    review_sends,
    send_ledger,
    unusable_points,
)
from services.notifier.domain.batch import (
    Claim,
    Claimed,
    Lookup,
    Settlement,
    Supersede,
    judge_in_order,
)
from services.notifier.domain.gate import history_since, ledger_status, reservation
from services.notifier.domain.model import Deferral, GateFacts, LedgerEntry, SendStatus
from services.notifier.domain.policy.scenario import Contact, Decision, GateChannel, Hold, Outcome

_KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
_DEBTORS: BindParameter[Any] = bindparam("debtors", expanding=True)
_LEDGER_OF = select(
    send_ledger.c.send_key,
    send_ledger.c.status,
    send_ledger.c.provider_message_id,
    send_ledger.c.provider,
).where(send_ledger.c.send_key.in_(_KEYS))
_DIRECTORY_OF = select(directory.c.debtor_id, directory.c.entry).where(
    directory.c.debtor_id.in_(_DEBTORS)
)
_BOUNCED_OF = select(bounced_points.c.debtor_id, bounced_points.c.point_id).where(
    bounced_points.c.debtor_id.in_(_DEBTORS)
)
_TAKEN = select(send_ledger.c.send_key).where(send_ledger.c.send_key.in_(_KEYS))
_HISTORY = select(contact_log).where(
    contact_log.c.debtor_id.in_(_DEBTORS), contact_log.c.at >= bindparam("since")
)
_OPT_OUTS = select(opt_outs.c.debtor_id, opt_outs.c.channel).where(
    opt_outs.c.debtor_id.in_(_DEBTORS)
)
_UNUSABLE = select(unusable_points.c.debtor_id, unusable_points.c.point_id).where(
    unusable_points.c.debtor_id.in_(_DEBTORS)
)
_HOLDS = (
    select(
        debt_holds.c.debtor_id,
        debt_holds.c.dispute_id,
        debt_holds.c.debt_id,
        debt_holds.c.category,
    )
    .where(debt_holds.c.debtor_id.in_(_DEBTORS), debt_holds.c.released_at.is_(None))
    .order_by(debt_holds.c.opened_at, debt_holds.c.dispute_id)
)
_WAITING = select(deferrals).where(deferrals.c.debtor_id.in_(_DEBTORS))
_KEPT = select(
    review_sends.c.send_key,
    review_sends.c.debtor_id,
    review_sends.c.loan_id,
    review_sends.c.purpose,
).where(review_sends.c.debtor_id.in_(_DEBTORS), review_sends.c.withdrawn.is_(None))
_MARK_KEPT = (
    update(review_sends)
    .where(review_sends.c.send_key == bindparam("key"))
    .values(withdrawn=bindparam("reason"))
)
_CLAIM = insert(send_ledger)
_RESERVE = insert(contact_log)
_ATTEMPT = (
    update(send_ledger)
    .where(
        send_ledger.c.send_key == bindparam("key"),
        send_ledger.c.status == SendStatus.PENDING.value,
    )
    .values(provider=bindparam("attempted"))
)
_SETTLE = (
    update(send_ledger)
    .where(send_ledger.c.send_key == bindparam("key"))
    .values(
        status=bindparam("settled"),
        provider_message_id=bindparam("message_id"),
        provider=bindparam("by"),
        settled_at=bindparam("at"),
    )
)
_COUNTED = update(contact_log).where(contact_log.c.contact_key.in_(_KEYS)).values(reserved=False)
_UNRESERVED = delete(contact_log).where(contact_log.c.contact_key.in_(_KEYS))


class SqlBatch(SqlGate, SqlDeferrals):
    """Batches of sends, each transaction a fixed number of statements."""

    async def lookup(self, keys: Collection[str], debtor_ids: Collection[str]) -> Lookup:
        debtors = {"debtors": sorted(set(debtor_ids))}
        async with self._engine.connect() as conn:
            ledger = await conn.execute(_LEDGER_OF, {"keys": sorted(set(keys))})
            entries = await conn.execute(_DIRECTORY_OF, debtors)
            bounced = await conn.execute(_BOUNCED_OF, debtors)
        points: dict[str, set[str]] = defaultdict(set)
        for debtor, point in bounced:
            points[debtor].add(point)
        return Lookup(
            ledger={
                r.send_key: LedgerEntry(
                    r.send_key, SendStatus(r.status), r.provider_message_id, r.provider
                )
                for r in ledger
            },
            directory={r.debtor_id: _entry(r.entry) for r in entries},
            undeliverable={d: frozenset(p) for d, p in points.items()},
        )

    async def claim(self, supersedes: Sequence[Supersede], claims: Sequence[Claim]) -> Claimed:
        debtors = sorted({s.debtor_id for s in supersedes} | {c.ticket.debtor_id for c in claims})
        async with self._guard() as conn:
            await self._lock_all(conn, debtors)
            withdrawn = await self._supersede(conn, debtors, supersedes)
            if not claims:
                return Claimed(withdrawn, [])
            keys = [c.ticket.key for c in claims]
            taken = set((await conn.execute(_TAKEN, {"keys": keys})).scalars())
            since = min(history_since(c.ticket) for c in claims)
            stored = await _stored_facts(conn, debtors, since)
            decided = judge_in_order(claims, taken, lambda d: stored.get(d, _NO_FACTS))
            await self._act_all(conn, claims, decided)
        return Claimed(withdrawn, decided)

    async def _lock_all(self, conn: AsyncConnection, debtors: list[str]) -> None:
        """Every debtor's gate lock, in sorted order (so two batches never deadlock)."""
        if not debtors:
            return
        stmt = self._dialect.insert(gate_locks).values(
            [{"debtor_id": d, "version": 1} for d in debtors]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[gate_locks.c.debtor_id], set_={"version": gate_locks.c.version + 1}
        )
        await conn.execute(stmt)

    async def _supersede(
        self, conn: AsyncConnection, debtors: list[str], supersedes: Sequence[Supersede]
    ) -> list[list[Deferral]]:
        """Each supersede as ``withdraw`` and ``withdraw_kept`` apply it, in order."""
        if not supersedes:
            return []
        waiting = (await conn.execute(_WAITING, {"debtors": debtors})).all()
        kept = (await conn.execute(_KEPT, {"debtors": debtors})).all()
        withdrawn: list[list[Deferral]] = []
        for s in supersedes:
            gone = []
            for r in waiting:
                if s.selects(r.debtor_id, r.loan_id, r.purpose, r.send_key) and (
                    await self._settle_withdrawn(
                        conn, r.send_key, r.debtor_id, r.loan_id, r.channel, s.at
                    )
                ):
                    gone.append(deferral_of(r))
            withdrawn.append(gone)
            marks = [
                {"key": k.send_key, "reason": s.reason[:300]}
                for k in kept
                if s.selects(k.debtor_id, k.loan_id, k.purpose, k.send_key)
            ]
            if marks:
                await conn.execute(_MARK_KEPT, marks)
        return withdrawn

    async def _act_all(
        self,
        conn: AsyncConnection,
        claims: Sequence[Claim],
        decided: Sequence[tuple[Decision, GateFacts] | None],
    ) -> None:
        """What ``decide`` writes for each decision: ledger rows and reservations at once."""
        ledger: list[dict[str, Any]] = []
        reserved: list[dict[str, Any]] = []
        for claim, outcome in zip(claims, decided, strict=True):
            if outcome is None:
                continue
            rows = _rows(claim, outcome[0])
            if rows is None:
                await self._act(conn, claim.ticket, outcome[0])  # a deferral (rare)
                continue
            ledger.append(rows[0])
            if rows[1] is not None:
                reserved.append(rows[1])
        if ledger:
            await conn.execute(_CLAIM, ledger)
        if reserved:
            await conn.execute(_RESERVE, reserved)

    async def mark_attempts(self, attempts: Sequence[tuple[str, str]]) -> None:
        if not attempts:
            return
        async with self._guard() as conn:
            await conn.execute(_ATTEMPT, [{"key": k, "attempted": p} for k, p in attempts])

    async def settle_many(self, settlements: Sequence[Settlement]) -> None:
        if not settlements:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "key": s.key,
                "settled": s.status.value,
                "message_id": s.provider_message_id,
                "by": s.provider,
                "at": now,
            }
            for s in settlements
        ]
        sent = [s.key for s in settlements if s.status is SendStatus.SENT]
        failed = [s.key for s in settlements if s.status is SendStatus.FAILED]
        async with self._guard() as conn:
            await conn.execute(_SETTLE, rows)
            if sent:
                await conn.execute(_COUNTED, {"keys": sent})
            if failed:  # refused by the provider: it does not count
                await conn.execute(_UNRESERVED, {"keys": failed})


_NO_FACTS = GateFacts(history=[], opt_outs=[])


def _rows(claim: Claim, decision: Decision) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The ledger row and reservation ``decide`` writes; None for a deferral."""
    ticket = claim.ticket
    if decision.outcome is Outcome.DEFER and decision.until is not None:
        return None
    row = {
        "send_key": ticket.key,
        "debtor_id": ticket.debtor_id,
        "loan_id": ticket.debt_id,
        "channel": ticket.channel,
        "status": ledger_status(decision).value,
        "claimed_at": ticket.at,
    }
    if decision.outcome is not Outcome.ALLOW:
        return row, None
    contact = {"contact_key": ticket.key, "debtor_id": ticket.debtor_id, "reserved": True}
    return row, contact | reservation(ticket).model_dump()


async def _stored_facts(
    conn: AsyncConnection, debtors: list[str], since: datetime
) -> dict[str, GateFacts]:
    """Every debtor's gate facts, one query per kind."""
    args = {"debtors": debtors}
    history: dict[str, list[Contact]] = defaultdict(list)
    for r in await conn.execute(_HISTORY, args | {"since": since}):
        history[r.debtor_id].append(contact_of(r))
    outs: dict[str, list[GateChannel]] = defaultdict(list)
    for debtor, channel in await conn.execute(_OPT_OUTS, args):
        outs[debtor].append(channel)
    bad: dict[str, set[str]] = defaultdict(set)
    for debtor, point in await conn.execute(_UNUSABLE, args):
        bad[debtor].add(point)
    holds: dict[str, list[Hold]] = defaultdict(list)
    for r in await conn.execute(_HOLDS, args):
        holds[r.debtor_id].append(
            Hold(dispute_id=r.dispute_id, debt_id=r.debt_id, category=r.category)
        )
    return {
        d: GateFacts(
            history=history.get(d, []),
            opt_outs=outs.get(d, []),
            unusable=frozenset(bad.get(d, ())),
            holds=tuple(holds.get(d, ())),
        )
        for d in debtors
    }
