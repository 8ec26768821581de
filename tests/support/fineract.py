"""Fineract Kafka values, built with fastavro from the real schemas, as Fineract writes them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.scheduler.adapters.fineract.codec import write_single_object

NS = "org.apache.fineract.avro"


def message(
    event_type: str,
    schema: str,
    payload: dict[str, Any],
    *,
    business_date: date,
    message_id: int = 1,
) -> bytes:
    """A ``MessageV1`` Kafka value carrying ``payload`` of ``schema`` (a full schema name)."""
    envelope = {
        "id": message_id,
        "source": "fineract-test",
        "type": event_type,
        "category": "LOAN",
        "createdAt": datetime.combine(business_date, datetime.min.time()).isoformat(),
        "businessDate": business_date.isoformat(),
        "tenantId": "default",
        "idempotencyKey": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{event_type}{message_id}")),
        "dataschema": schema,
        "data": write_single_object(schema, payload),
    }
    return write_single_object(f"{NS}.MessageV1", envelope)


def instalment(number: int, due: date, total: str) -> dict[str, Any]:
    amount = Decimal(total)
    return {
        "installmentNumber": number,
        "installmentDueDate": due.isoformat(),
        "principalAmountDue": amount,
        "interestAmountDue": Decimal(0),
        "feeChargeAmountDue": Decimal(0),
        "penaltyChargeAmountDue": Decimal(0),
        "totalAmountDue": amount,
    }


def repayment_due(
    event_type: str,
    loan_id: int,
    number: int,
    due: date,
    total: str,
    business_date: date,
    message_id: int = 1,
) -> bytes:
    payload = {
        "loanId": loan_id,
        "loanAccountNo": f"{loan_id:09d}",
        "loanExternalId": None,
        "currency": None,
        "installment": instalment(number, due, total),
        "pastDueAmount": None,
    }
    return message(
        event_type,
        f"{NS}.loan.v1.LoanRepaymentDueDataV1",
        payload,
        business_date=business_date,
        message_id=message_id,
    )


def loan_key(loan_id: int) -> bytes:
    return loan_id.to_bytes(8, "big", signed=True)
