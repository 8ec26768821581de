"""A consumed batch of sends, as the store takes it: read at once, claimed in one transaction,
settled in one transaction.

The claim keeps the semantics of the requests handled one by one, in order: each request
supersedes what its loan still has waiting for the same purpose, and each send is judged with
the debtor's stored facts plus the reservations the batch's earlier sends made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.notifier.domain.gate import history_since, reservation
from services.notifier.domain.model import (
    Deferral,
    DirectoryEntry,
    GateFacts,
    GateTicket,
    LedgerEntry,
    SendStatus,
)
from services.notifier.domain.policy.scenario import Contact, Decision, Outcome


@dataclass(frozen=True)
class Supersede:
    """What one request withdraws: its loan's waiting sends of its purpose, other than its own
    (deferrals settled WITHDRAWN, sends kept for review marked withdrawn with ``reason``)."""

    debtor_id: str
    loan_id: str
    purpose: str
    keep: str  # the request's event id: its own sends stay
    at: datetime
    reason: str

    def selects(self, debtor_id: str, loan_id: str, purpose: str | None, key: str) -> bool:
        """Whether a waiting send (by its identity columns and key) is one this withdraws."""
        return (
            (debtor_id, loan_id) == (self.debtor_id, self.loan_id)
            and purpose == self.purpose
            and not key.startswith(f"{self.keep}|")
        )


@dataclass(frozen=True)
class Claim:
    """One send asking the gate, with the judge that decides it from the facts."""

    ticket: GateTicket
    judge: Callable[[GateFacts], Decision]


@dataclass(frozen=True)
class Claimed:
    """What a claim transaction did: per :class:`Supersede`, the deferrals withdrawn; per
    :class:`Claim`, its decision and the facts it was judged on (None: the ledger had the key
    already, as :class:`AlreadyDecided` says for one send)."""

    withdrawn: list[list[Deferral]]
    decisions: list[tuple[Decision, GateFacts] | None]


@dataclass(frozen=True)
class Settlement:
    """What became of one claimed send (``SendLedger.settle``'s arguments)."""

    key: str
    status: SendStatus
    provider_message_id: str | None = None
    provider: str | None = None


@dataclass(frozen=True)
class Lookup:
    """What a batch reads before its claim: ledger rows by key, directory entries by debtor,
    undeliverable email points by debtor (absent: none)."""

    ledger: Mapping[str, LedgerEntry] = field(default_factory=dict)
    directory: Mapping[str, DirectoryEntry] = field(default_factory=dict)
    undeliverable: Mapping[str, frozenset[str]] = field(default_factory=dict)


def judge_in_order(
    claims: Sequence[Claim],
    taken: set[str],
    stored: Callable[[str], GateFacts],
) -> list[tuple[Decision, GateFacts] | None]:
    """Each claim judged in order: None for a key ``taken`` already (or earlier in the batch);
    otherwise its debtor's ``stored`` facts (history since the ticket's window) with the
    batch's earlier reservations of that debtor counted."""
    extra: dict[str, list[Contact]] = {}
    decided: list[tuple[Decision, GateFacts] | None] = []
    for claim in claims:
        ticket = claim.ticket
        if ticket.key in taken:
            decided.append(None)
            continue
        taken.add(ticket.key)
        facts = _facts_for(ticket, stored(ticket.debtor_id), extra.get(ticket.debtor_id, []))
        decision = claim.judge(facts)
        if decision.outcome is Outcome.ALLOW:
            extra.setdefault(ticket.debtor_id, []).append(reservation(ticket))
        decided.append((decision, facts))
    return decided


def _facts_for(ticket: GateTicket, stored: GateFacts, earlier: list[Contact]) -> GateFacts:
    since = history_since(ticket)
    history = [c for c in stored.history if c.at >= since] + earlier
    return replace(stored, history=history)
