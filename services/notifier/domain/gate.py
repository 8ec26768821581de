"""Rules every gate store keeps alike (SQL and in memory): what a decision settles a send as,
how much history the gate reads, how long a taken deferral is leased, what a reservation is."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from services.notifier.domain.model import GateTicket, SendStatus
from services.notifier.domain.policy.scenario import Contact, Decision, Outcome

#: Gate outcomes that settle the send without sending it, and what the ledger says of it.
TERMINAL: Final[Mapping[Outcome, SendStatus]] = {
    Outcome.BLOCK: SendStatus.BLOCKED,
    Outcome.ESCALATE: SendStatus.ESCALATED,
}
#: How far back the gate reads a debtor's contacts: the longest cap window plus a day.
HISTORY: Final = timedelta(days=9)
#: How long due deferrals taken by one dispatcher are its own (another takes them after).
LEASE: Final = timedelta(seconds=60)


def ledger_status(decision: Decision) -> SendStatus:
    """The ledger row a decision other than DEFER writes: PENDING (claimed) or terminal."""
    return TERMINAL.get(decision.outcome, SendStatus.PENDING)


def history_since(ticket: GateTicket) -> datetime:
    """The earliest contact the gate reads for ``ticket``."""
    return ticket.at - HISTORY


def reservation(ticket: GateTicket) -> Contact:
    """The contact an allowed send reserves against every cap (reserved until it is sent)."""
    return Contact(
        at=ticket.at,
        channel=ticket.channel,
        kind="message_sent",
        sender="bank",
        debt_id=ticket.debt_id,
        contact_point=ticket.contact_point,
    )
