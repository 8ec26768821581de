"""Rows of the notifier's tables to and from the domain model."""

from __future__ import annotations

from typing import Any

from services.notifier.domain.model import (
    Deferral,
    GateTicket,
)
from services.notifier.domain.policy.scenario import (
    Contact,
)
from shared.database import as_utc


def pending_row(ticket: GateTicket) -> dict[str, Any]:
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


def deferral_of(row: Any) -> Deferral:
    return Deferral(
        row.send_key,
        row.channel,
        as_utc(row.due_at),
        bytes(row.request),
        hold=row.hold,
        held_since=as_utc(row.held_since) if row.held_since else None,
    )


def contact_of(row: Any) -> Contact:
    return Contact(
        at=as_utc(row.at),
        channel=row.channel,
        kind=row.kind,
        sender=row.sender,
        debt_id=row.debt_id,
        contact_point=row.contact_point,
    )
