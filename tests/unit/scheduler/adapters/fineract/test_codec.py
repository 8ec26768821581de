"""Fineract's Avro single-object encoding: marker, Java fingerprint, body."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scheduler.adapters.fineract.codec import read_message
from tests.support.fineract import NS, repayment_due


def test_the_envelope_is_single_object_encoded_with_the_java_fingerprint() -> None:
    value = repayment_due(
        "LoanRepaymentDueBusinessEvent", 7, 2, date(2026, 4, 10), "1050", date(2026, 4, 7)
    )
    assert value[:2] == b"\xc3\x01"
    envelope, schema, payload = read_message(value)
    assert envelope["type"] == "LoanRepaymentDueBusinessEvent"
    assert schema == f"{NS}.loan.v1.LoanRepaymentDueDataV1"
    # bigdecimal travels as bytes with scale 8: 1050 is the unscaled 105000000000.
    assert payload["installment"]["totalAmountDue"] == Decimal("1050.00000000")
