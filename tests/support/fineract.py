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


def client_payload(client_id: int, mobile: str | None, email: str | None) -> dict[str, Any]:
    """A ClientDataV1 as Fineract fills it, protected attributes included (they must be dropped)."""
    return {
        "id": client_id,
        "accountNo": f"{client_id:09d}",
        "active": True,
        "firstname": "伟",
        "lastname": "张",
        "displayName": "张伟",
        "mobileNo": mobile,
        "emailAddress": email,
        "dateOfBirth": "1980-05-17",
        "gender": {"id": 1, "name": "男", "active": True, "mandatory": False},
        "isStaff": False,
        "officeId": 1,
        "officeName": "总行",
    }


def client(
    event_type: str,
    client_id: int,
    mobile: str | None = "13800138000",
    email: str | None = "zhangwei@borrower.example",
    *,
    business_date: date,
    message_id: int = 1,
) -> bytes:
    return message(
        event_type,
        f"{NS}.client.v1.ClientDataV1",
        client_payload(client_id, mobile, email),
        business_date=business_date,
        message_id=message_id,
    )


def period(number: int, due: date, principal: str, interest: str = "0") -> dict[str, Any]:
    """One repayment period as LoanSchedulePeriodDataV1 carries it, nothing paid yet."""
    p, i = Decimal(principal), Decimal(interest)
    return {
        "period": number,
        "dueDate": due.isoformat(),
        "complete": False,
        "principalDue": p,
        "principalPaid": Decimal(0),
        "principalOutstanding": p,
        "interestDue": i,
        "interestPaid": Decimal(0),
        "interestOutstanding": i,
        "feeChargesDue": Decimal(0),
        "feeChargesOutstanding": Decimal(0),
        "penaltyChargesDue": Decimal(0),
        "penaltyChargesOutstanding": Decimal(0),
        "totalDueForPeriod": p + i,
        "totalOutstandingForPeriod": p + i,
    }


ACTIVE = {"id": 300, "code": "loanStatusType.active", "value": "Active", "active": True}


def account_payload(
    loan_id: int,
    client_id: int | None,
    periods: list[dict[str, Any]],
    status: dict[str, Any] = ACTIVE,
) -> dict[str, Any]:
    """A LoanAccountDataV1 with its client, status and repayment schedule (the disbursement row
    first, without a period number, as Fineract lists it)."""
    start = date.fromisoformat(periods[0]["dueDate"]) if periods else date(2026, 1, 1)
    principal = sum((p["principalDue"] for p in periods), Decimal(0))
    disbursement = {"dueDate": start.isoformat(), "principalDisbursed": principal}
    currency = {"code": "CNY", "name": "人民币", "decimalPlaces": 2}
    return {
        "id": loan_id,
        "accountNo": f"{loan_id:09d}",
        "status": status,
        "clientId": client_id,
        "clientName": "张伟",
        "loanProductId": 1,
        "loanProductName": "个人消费贷",
        "principal": principal,
        "repaymentSchedule": {"currency": currency, "periods": [disbursement, *periods]},
    }


def loan_account(
    event_type: str,
    loan_id: int,
    client_id: int | None,
    periods: list[dict[str, Any]],
    *,
    business_date: date,
    status: dict[str, Any] = ACTIVE,
    message_id: int = 1,
) -> bytes:
    return message(
        event_type,
        f"{NS}.loan.v1.LoanAccountDataV1",
        account_payload(loan_id, client_id, periods, status),
        business_date=business_date,
        message_id=message_id,
    )


def bulk(items: list[tuple[str, str, dict[str, Any] | bytes]], *, business_date: date) -> bytes:
    """A BulkBusinessEvent: each (type, schema, payload) an item, single-object encoded (a
    payload given as bytes is taken as the item's data as is)."""
    datas = [
        {
            "id": n,
            "type": event_type,
            "category": "nocategory",
            "dataschema": schema,
            "data": payload if isinstance(payload, bytes) else write_single_object(schema, payload),
        }
        for n, (event_type, schema, payload) in enumerate(items, start=1)
    ]
    return message(
        "BulkBusinessEvent",
        f"{NS}.BulkMessagePayloadV1",
        {"datas": datas},
        business_date=business_date,
    )
