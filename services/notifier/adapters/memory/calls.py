"""The pre-call gate's calls in memory (part of the in-memory notifier store), with the same
rules as the SQL store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from services.notifier.adapters.memory.holds import InMemoryHolds
from services.notifier.domain.call_effects import CALL_KINDS, CallEffects
from services.notifier.domain.calls import CallRecord, CallReport, CallTicket, reservation_key
from services.notifier.domain.gate import HISTORY
from services.notifier.domain.model import GateFacts
from services.notifier.domain.policy.scenario import Contact, Decision, GateChannel, Outcome


class InMemoryCalls(InMemoryHolds):
    """:class:`~services.notifier.ports.CallStore` over the in-memory store's contact log."""

    log: dict[str, tuple[str, Contact, bool]]
    opt_outs: dict[str, set[GateChannel]]
    unusable: dict[str, set[str]]
    calls: dict[str, CallRecord]
    _locks: dict[str, asyncio.Lock]

    def facts(self, debtor_id: str, since: datetime) -> GateFacts:
        """What the gate reads about the debtor: contacts since ``since``, opt-outs, bad points,
        open disputes."""
        history = [c for d, c, _ in self.log.values() if d == debtor_id and c.at >= since]
        return GateFacts(
            history,
            sorted(self.opt_outs[debtor_id]),
            frozenset(self.unusable[debtor_id]),
            self.open_holds(debtor_id),
        )

    async def decide_call(
        self, ticket: CallTicket, judge: Callable[[GateFacts], Decision]
    ) -> tuple[CallRecord, bool]:
        async with self._locks[ticket.debtor_id]:
            found = self.calls.get(ticket.call_id)
            if found is not None:
                return found, False
            self._release(ticket.at, ticket.debtor_id)
            facts = self.facts(ticket.debtor_id, ticket.at - HISTORY)
            await asyncio.sleep(0)  # let a racing ask interleave, as a database would
            decision = judge(facts)
            raced = self.calls.get(ticket.call_id)  # the same key asked for another debtor
            if raced is not None:
                return raced, False
            allowed = decision.outcome is Outcome.ALLOW
            record = CallRecord.decided(ticket, decision)
            self.calls[ticket.call_id] = record
            if allowed:
                for key, contact in ticket.reservations():
                    self.log[key] = (ticket.debtor_id, contact, True)
            return record, True

    async def call(self, call_id: str) -> CallRecord | None:
        return self.calls.get(call_id)

    async def report_call(
        self, call_id: str, report: CallReport, effects: CallEffects
    ) -> tuple[CallRecord, bool]:
        debtor = self.calls[call_id].debtor_id
        async with self._locks[debtor]:
            record = self.calls[call_id]
            if record.state == "reported":
                return record, False
            for key in effects.keys:
                self.log.pop(key, None)
            for key, contact in effects.counted:
                self.log[key] = (debtor, contact, False)
            if effects.unusable is not None:
                self.unusable[debtor].add(effects.unusable)
            if effects.voice_opt_out:
                self.opt_outs[debtor].add("voice")
            record = replace(record, state="reported", report=report, report_sha256=report.sha256())
            self.calls[call_id] = record
            return record, True

    async def release_expired_calls(self, now: datetime) -> int:
        return self._release(now)

    def _release(self, now: datetime, debtor_id: str | None = None) -> int:
        expired = [
            r
            for r in self.calls.values()
            if r.state == "reserved"
            and r.expires_at is not None
            and r.expires_at <= now
            and (debtor_id is None or r.debtor_id == debtor_id)
        ]
        for record in expired:
            for kind in CALL_KINDS:
                self.log.pop(reservation_key(record.call_id, kind), None)
            self.calls[record.call_id] = replace(record, state="expired")
        return len(expired)
