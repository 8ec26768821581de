"""A consumed batch of sends in memory (part of the in-memory notifier store): the same
rules as the SQL store's batch, on the store's own one-by-one operations."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Protocol

from services.notifier.domain.batch import (
    Claim,
    Claimed,
    Lookup,
    Settlement,
    Supersede,
    judge_in_order,
)
from services.notifier.domain.model import (
    DirectoryEntry,
    GateFacts,
    GateTicket,
    LedgerEntry,
)
from services.notifier.domain.policy.scenario import Decision
from services.notifier.ports import NotifierStore

#: Before any contact: each claim's own window is applied by :func:`judge_in_order`.
_EVER = datetime(1970, 1, 1, tzinfo=UTC)


class _Store(NotifierStore, Protocol):
    """What the batch uses of the in-memory store beyond its ports."""

    ledger: dict[str, LedgerEntry]
    contacts: dict[str, tuple[datetime, DirectoryEntry]]

    def facts(self, debtor_id: str, since: datetime) -> GateFacts: ...
    def _act(self, ticket: GateTicket, decision: Decision) -> None: ...
    def _judged(self, claims: Sequence[Claim]) -> list[tuple[Decision, GateFacts] | None]: ...


class InMemoryBatches:
    """:class:`~services.notifier.ports.SendBatches` over the in-memory store."""

    async def lookup(self: _Store, keys: Collection[str], debtor_ids: Collection[str]) -> Lookup:
        return Lookup(
            ledger={k: self.ledger[k] for k in keys if k in self.ledger},
            directory={d: self.contacts[d][1] for d in debtor_ids if d in self.contacts},
            undeliverable={d: await self.undeliverable(d) for d in debtor_ids},
        )

    async def claim(
        self: _Store, supersedes: Sequence[Supersede], claims: Sequence[Claim]
    ) -> Claimed:
        withdrawn = []
        for s in supersedes:
            gone = await self.withdraw(
                s.debtor_id, s.loan_id, purpose=s.purpose, keep=s.keep, at=s.at
            )
            withdrawn.append(gone)
            await self.withdraw_kept(
                s.debtor_id, s.loan_id, reason=s.reason, purpose=s.purpose, keep=s.keep
            )
        return Claimed(withdrawn, self._judged(claims))

    def _judged(self: _Store, claims: Sequence[Claim]) -> list[tuple[Decision, GateFacts] | None]:
        """The in-memory gate's one judgement (a batch's claim, one send's ``decide``): each
        claim judged in order, the earlier ones' reservations counted, and acted on, with no
        await in between: atomic, as one transaction is."""
        taken = {c.ticket.key for c in claims if c.ticket.key in self.ledger}
        decided = judge_in_order(claims, taken, lambda debtor: self.facts(debtor, _EVER))
        for claim, outcome in zip(claims, decided, strict=True):
            if outcome is not None:
                self._act(claim.ticket, outcome[0])
        return decided

    async def mark_attempts(self: _Store, attempts: Sequence[tuple[str, str]]) -> None:
        for key, provider in attempts:
            await self.mark_attempt(key, provider)

    async def settle_many(self: _Store, settlements: Sequence[Settlement]) -> None:
        for s in settlements:
            await self.settle(s.key, s.status, s.provider_message_id, s.provider)

    async def first_times(self: _Store, seen: Sequence[tuple[str, datetime]]) -> list[bool]:
        return [await self.first_time(key, at) for key, at in seen]
