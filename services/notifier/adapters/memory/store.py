"""The whole notifier store in memory: a first-class adapter for unit, component and contract
tests, with the same rules as the SQL store (``domain/gate.py``)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from services.notifier.adapters.memory.batch import InMemoryBatches
from services.notifier.adapters.memory.calls import InMemoryCalls
from services.notifier.adapters.memory.early import InMemoryEarlyReceipts
from services.notifier.adapters.memory.email import InMemoryEmail
from services.notifier.adapters.memory.review import InMemoryReviewSends
from services.notifier.adapters.memory.uncertain import InMemoryUncertain
from services.notifier.domain.batch import Claim
from services.notifier.domain.calls import CallRecord
from services.notifier.domain.gate import LEASE, ledger_status, reservation
from services.notifier.domain.model import (
    HOLD_CONTACT_POINT,
    HOLD_EXPIRED,
    RELEASED,
    AlreadyDecided,
    Deferral,
    DirectoryEntry,
    DirectoryUpdate,
    GateFacts,
    GateTicket,
    LedgerEntry,
    SendStatus,
    SentMessage,
)
from services.notifier.domain.policy.scenario import Contact, Decision, GateChannel, Hold, Outcome
from services.notifier.domain.review import KeptSend
from services.notifier.domain.sends import points_of
from services.notifier.domain.uncertain import UncertainSend
from shared.events import Channel


def _identity(ticket: GateTicket) -> tuple[str, str, int, str]:
    return (ticket.debtor_id, ticket.debt_id, ticket.episode, ticket.purpose)


class InMemoryNotifierStore(
    InMemoryCalls,
    InMemoryReviewSends,
    InMemoryEmail,
    InMemoryUncertain,
    InMemoryBatches,
    InMemoryEarlyReceipts,
):
    """The whole :class:`~services.notifier.ports.NotifierStore` in dictionaries."""

    def __init__(self) -> None:
        self.ledger: dict[str, LedgerEntry] = {}
        self.contacts: dict[str, tuple[datetime, DirectoryEntry]] = {}
        self.log: dict[str, tuple[str, Contact, bool]] = {}  # key -> (debtor, contact, reserved)
        self.opt_outs: dict[str, set[GateChannel]] = defaultdict(set)
        self.deferrals: dict[str, tuple[Deferral, datetime | None]] = {}
        #: Per deferral key: (debtor, loan, episode, purpose), what withdrawals select by.
        self.pending: dict[str, tuple[str, str, int, str]] = {}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.points: dict[str, str] = {}
        self.sends: dict[str, tuple[str, str | None, Channel]] = {}
        self.claimed: dict[str, datetime] = {}
        self.seen: set[str] = set()
        self.unusable: dict[str, set[str]] = defaultdict(set)
        self.calls: dict[str, CallRecord] = {}
        self.kept_sends: dict[str, KeptSend] = {}
        InMemoryEmail.__init__(self)
        InMemoryEarlyReceipts.__init__(self)
        self.debt_holds: dict[str, tuple[str, Hold, bool]] = {}
        self.uncertain: dict[str, UncertainSend] = {}

    async def upsert(self, contact: DirectoryEntry, *, as_of: datetime) -> None:
        current = self.contacts.get(contact.debtor_id)
        if current is None or current[0] < as_of:
            self.contacts[contact.debtor_id] = (as_of, contact)
            for point in points_of(contact):
                self.points[point] = contact.debtor_id

    async def upsert_many(self, updates: Sequence[DirectoryUpdate]) -> None:
        for update in updates:
            await self.upsert(update.entry, as_of=update.as_of)
        await self.release_holds_of({u.entry.debtor_id for u in updates})

    async def find_debtor(self, point_id: str) -> str | None:
        return self.points.get(point_id)

    async def find_send(self, provider_message_ids: list[str]) -> SentMessage | None:
        for entry in self.ledger.values():
            if entry.provider_message_id in provider_message_ids:
                debtor, loan, channel = self.sends[entry.key]
                return SentMessage(entry.key, debtor, loan, channel)
        return None

    async def find_sends(self, ids: Collection[str]) -> dict[str, SentMessage]:
        found = {}
        for entry in self.ledger.values():
            if entry.provider_message_id and entry.provider_message_id in ids:
                debtor, loan, channel = self.sends[entry.key]
                found[entry.provider_message_id] = SentMessage(entry.key, debtor, loan, channel)
        return found

    async def latest_loan(self, debtor_id: str) -> str | None:
        loans = [loan for d, loan, _ in self.sends.values() if d == debtor_id and loan]
        return loans[-1] if loans else None

    async def unnamed_sends(self, debtor_id: str, channel: Channel) -> list[SentMessage]:
        """PENDING and UNCERTAIN sends, and SENT ones known only by our own key (a WeChat
        subscribe message, answered without an id), oldest first: what a receipt naming its
        recipient, not our send, may belong to."""
        found = []
        for key, (debtor, loan, on) in self.sends.items():
            entry = self.ledger[key]
            unnamed = entry.status in (SendStatus.PENDING, SendStatus.UNCERTAIN) or (
                entry.status is SendStatus.SENT and entry.provider_message_id == key
            )
            if debtor == debtor_id and on == channel and unnamed:
                found.append(SentMessage(key, debtor, loan, on, entry.status, self.claimed[key]))
        return sorted(found, key=lambda sent: self.claimed[sent.key])

    async def first_time(self, callback_key: str, at: datetime) -> bool:
        if callback_key in self.seen:
            return False
        self.seen.add(callback_key)
        return True

    async def get(self, debtor_id: str) -> DirectoryEntry | None:
        found = self.contacts.get(debtor_id)
        return found[1] if found else None

    async def entry(self, key: str) -> LedgerEntry | None:
        return self.ledger.get(key)

    async def settle(
        self,
        key: str,
        status: SendStatus,
        provider_message_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.ledger[key] = LedgerEntry(key, status, provider_message_id, provider)
        if key in self.log and status is SendStatus.SENT:
            debtor, contact, _ = self.log[key]
            self.log[key] = (debtor, contact, False)
        elif status is SendStatus.FAILED:
            self.log.pop(key, None)

    async def mark_attempt(self, key: str, provider: str) -> None:
        entry = self.ledger.get(key)
        if entry is not None and entry.status is SendStatus.PENDING:
            self.ledger[key] = LedgerEntry(key, entry.status, None, provider)

    async def release(self, key: str) -> None:
        if key in self.ledger and self.ledger[key].status is SendStatus.PENDING:
            del self.ledger[key]
            self.log.pop(key, None)

    def _forget(self, key: str) -> None:
        """Drop a deferral and what withdrawals select it by."""
        self.pending.pop(key, None)
        self.deferrals.pop(key, None)

    async def hold(self, ticket: GateTicket, *, until: datetime, reason: str) -> Deferral:
        async with self._locks[ticket.debtor_id]:
            if ticket.key in self.ledger:
                raise AlreadyDecided(ticket.key)
            current = self.deferrals.get(ticket.key)
            since = (current[0].held_since if current else None) or ticket.at
            deferral = Deferral(
                ticket.key, ticket.channel, until, ticket.request, hold=reason, held_since=since
            )
            self.deferrals[ticket.key] = (deferral, None)
            self.pending[ticket.key] = _identity(ticket)
            return deferral

    async def release_holds(self, debtor_id: str) -> int:
        return await self.release_holds_of({debtor_id})

    async def release_holds_of(self, debtor_ids: Collection[str]) -> int:
        released, debtors = 0, set(debtor_ids)
        for key, (deferral, _) in list(self.deferrals.items()):
            if deferral.hold and self.pending[key][0] in debtors:
                self.deferrals[key] = (replace(deferral, due_at=RELEASED), None)
                released += 1
        return released

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
        async with self._locks[debtor_id]:
            gone: list[Deferral] = []
            for key, (debtor, loan, ep, why) in list(self.pending.items()):
                if (debtor, loan) != (debtor_id, loan_id) or key not in self.deferrals:
                    continue
                if (episode is not None and ep > episode) or (purpose and why != purpose):
                    continue
                if (keep is not None and key.startswith(f"{keep}|")) or key in self.ledger:
                    continue  # (in the ledger: being sent right now; its deferral stays)
                gone.append(self.deferrals[key][0])
                self._forget(key)
                self.ledger[key] = LedgerEntry(key, SendStatus.WITHDRAWN)
            return gone

    async def redrive(self, debtor_id: str | None = None) -> int:
        count = 0
        for key, (deferral, _) in list(self.deferrals.items()):
            if deferral.hold != HOLD_EXPIRED:
                continue
            if debtor_id is not None and self.pending[key][0] != debtor_id:
                continue
            fresh = replace(deferral, due_at=RELEASED, hold=HOLD_CONTACT_POINT, held_since=None)
            self.deferrals[key] = (fresh, None)
            count += 1
        return count

    async def withdraw_send(self, ticket: GateTicket) -> bool:
        async with self._locks[ticket.debtor_id]:
            if ticket.key in self.ledger:
                return False
            self._forget(ticket.key)
            self.ledger[ticket.key] = LedgerEntry(ticket.key, SendStatus.WITHDRAWN)
            return True

    async def decide(self, ticket: GateTicket, judge: Callable[[GateFacts], Decision]) -> Decision:
        async with self._locks[ticket.debtor_id]:
            if ticket.key in self.ledger:
                raise AlreadyDecided(ticket.key)
            await asyncio.sleep(0)  # let a racing worker interleave, as a database would
            (outcome,) = self._judged([Claim(ticket, judge)])
            if outcome is None:  # (judged and acted on with no await since the check)
                raise AlreadyDecided(ticket.key)
            return outcome[0]

    def _act(self, ticket: GateTicket, decision: Decision) -> None:
        if decision.outcome is Outcome.DEFER and decision.until is not None:
            deferral = Deferral(ticket.key, ticket.channel, decision.until, ticket.request)
            self.deferrals[ticket.key] = (deferral, None)
            self.pending[ticket.key] = _identity(ticket)
            return
        self.ledger[ticket.key] = LedgerEntry(ticket.key, ledger_status(decision))
        self.sends[ticket.key] = (ticket.debtor_id, ticket.debt_id, ticket.channel)
        self.claimed[ticket.key] = ticket.at
        if decision.outcome is Outcome.ALLOW:
            self.log[ticket.key] = (ticket.debtor_id, reservation(ticket), True)

    async def record_contact(self, debtor_id: str, contact: Contact, *, key: str) -> bool:
        async with self._locks[debtor_id]:
            if key in self.log:
                return False
            self.log[key] = (debtor_id, contact, False)
            return True

    async def record_opt_out(self, debtor_id: str, channel: GateChannel, at: datetime) -> None:
        self.opt_outs[debtor_id].add(channel)

    async def due_deferrals(self, now: datetime, limit: int) -> list[Deferral]:
        due = sorted(
            (
                d
                for d, lease in self.deferrals.values()
                if d.due_at <= now and (lease is None or lease < now)
            ),
            key=lambda d: d.due_at,
        )[:limit]
        for d in due:
            self.deferrals[d.key] = (d, now + LEASE)
        return due

    async def deferred_count(self) -> int:
        return len(self.deferrals)

    async def finish_deferral(self, deferral: Deferral) -> None:
        current = self.deferrals.get(deferral.key)
        if current is not None and current[0].due_at == deferral.due_at:
            self._forget(deferral.key)
