"""Fineract's loan payloads onto Dunwell's core-banking events: due, overdue, repayment, pause,
write-off and close.

These payloads carry the loan, not the client: their events name no debtor, and the scheduler
keeps the one it learned from the loan's account (see :mod:`.accounts`). Client names and other
personal fields in Fineract payloads are never read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

from shared.errors import InvalidEvent
from shared.events import (
    DelinquencyPaused,
    DelinquencyResumed,
    Event,
    InstalmentDue,
    InstalmentFellOverdue,
    LoanClosed,
    LoanWrittenOff,
    RepaymentPosted,
    derived_event_id,
)

Payload = dict[str, Any]


def base(message: Payload) -> dict[str, Any]:
    """The fields every event mapped from ``message`` shares: its id (from Fineract's
    idempotency key, so a redelivery is recognised) and when it happened."""
    created = datetime.fromisoformat(message["createdAt"]).replace(tzinfo=UTC)
    return {
        "event_id": derived_event_id("fineract", message["idempotencyKey"]),
        "occurred_at": created,
    }


def _base(message: Payload, loan_id: Any) -> dict[str, Any]:
    return {**base(message), "loan_id": str(loan_id)}


def _currency(payload: Payload) -> str:
    currency = payload.get("currency") or {}
    return str(currency.get("code") or "CNY")


def _money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.0001"))


def _due(message: Payload, p: Payload) -> Event:
    i = p["installment"]
    return InstalmentDue(
        **_base(message, p["loanId"]),
        instalment_number=i["installmentNumber"],
        due_date=date.fromisoformat(i["installmentDueDate"]),
        amount_due=_money(i["totalAmountDue"]),
        currency=_currency(p),
    )


def _overdue(message: Payload, p: Payload) -> Event:
    i = p["installment"]
    due = date.fromisoformat(i["installmentDueDate"])
    business = date.fromisoformat(message["businessDate"])
    account = "".join(ch for ch in p["loanAccountNo"] if ch.isdigit()).rjust(6, "0")
    return InstalmentFellOverdue(
        **_base(message, p["loanId"]),
        account_number=account,
        product="fineract-loan",
        instalment_number=i["installmentNumber"],
        due_date=due,
        amount_due=_money(i["totalAmountDue"]),
        currency=_currency(p),
        days_past_due=max(1, (business - due).days),
    )


def _repayment(message: Payload, p: Payload) -> Event:
    return RepaymentPosted(
        **_base(message, p["loanId"]),
        amount=_money(p["amount"]),
        value_date=date.fromisoformat(p["date"]),
    )


def _pause(message: Payload, p: Payload, key_loan: int | None = None) -> Event:
    # The pause payload does not name its loan: the Kafka key (the aggregate root id) does.
    if key_loan is None:
        raise InvalidEvent("a delinquency pause needs the loan id from the Kafka key")
    base = _base(message, key_loan)
    start = date.fromisoformat(p["pausePeriodStart"])
    end = date.fromisoformat(p["pausePeriodEnd"]) if p.get("pausePeriodEnd") else None
    if p.get("active"):
        return DelinquencyPaused(**base, start=start, end=end)
    return DelinquencyResumed(**base, on=end or date.fromisoformat(message["businessDate"]))


def _written_off(message: Payload, p: Payload) -> Event:
    return LoanWrittenOff(**_base(message, p["loanId"]))


def _closed(message: Payload, p: Payload) -> Event:
    return LoanClosed(**_base(message, p["id"]))


MAPPERS: Final[dict[str, Callable[..., Event]]] = {
    "LoanRepaymentDueBusinessEvent": _due,
    "LoanRepaymentOverdueBusinessEvent": _overdue,
    "LoanTransactionMakeRepaymentPostBusinessEvent": _repayment,
    "LoanAccountDelinquencyPauseChangedBusinessEvent": _pause,
    "LoanWrittenOffPostBusinessEvent": _written_off,
    "LoanCloseBusinessEvent": _closed,
}


def loan_from_key(key: bytes | None) -> int | None:
    """Fineract's Kafka key: the aggregate root id as a big-endian Java long."""
    return int.from_bytes(key, "big", signed=True) if key and len(key) == 8 else None


def loan_event(message: Payload, payload: Payload, key: bytes | None) -> Event:
    """The event of a loan payload whose type is in :data:`MAPPERS`."""
    mapper = MAPPERS[message["type"]]
    if mapper is _pause:
        return _pause(message, payload, loan_from_key(key))
    return mapper(message, payload)
