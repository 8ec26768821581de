"""Fineract values written by Apache Avro's own Java library, read by Dunwell.

The values come from ``tests/interop/fineract/Encode.java`` (org.apache.avro 1.12.0, the version
Fineract builds with): the shipped schemas parsed by ``Schema.Parser``, each record written by
``BinaryMessageEncoder`` with the fingerprint Java computes itself. Nothing here is encoded or
fingerprinted by Dunwell's code, so these tests hold our fingerprints, decoding and the
``dunwell fineract decode`` command to what Fineract really writes. One JVM serves the session.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from services.cli import main
from services.scheduler.adapters.fineract.codec import (
    read_message,
    read_single_object,
    write_single_object,
)
from services.scheduler.adapters.fineract.schemas import MESSAGE, by_fingerprint, fingerprint_of
from tests.support import fineract_java as java
from tests.support import fineract_payloads as fp

BUSINESS_DATE = date(2027, 1, 4)
LOAN, CLIENT = 2001, 1001
SHIPPED = Path(java.SCHEMAS)


def _messages() -> dict[str, java.JavaMessage]:
    rejected = fp.client(1002, lastname="陈", firstname="伟", mobile="13912345678", email=None)
    rejected |= {"status": {"id": 700, "code": "clientStatusType.rejected", "value": "Rejected"}}
    rejected["timeline"] |= {"closedOnDate": "2026-06-05", "closedByUsername": "zhangwei"}
    due, overdue = date(2027, 1, 10), date(2026, 12, 10)
    # The schemas' limits: decimal(20, 8) both ways, 64-bit ids, characters beyond the BMP.
    limits = fp.repayment_made(2**40, 2**62, "0", BUSINESS_DATE, "-0.01")
    limits |= {"amount": "999999999999.99999999", "principalPortion": "-999999999999.99999999"}
    limits |= {"officeName": "𠮷𠀀浦东支行"}
    return {
        "client created": java.event("ClientCreateBusinessEvent", fp.client(CLIENT), BUSINESS_DATE),
        "client activated": java.event(
            "ClientActivateBusinessEvent", fp.client(CLIENT), BUSINESS_DATE, message_id=2
        ),
        "client rejected": java.event("ClientRejectBusinessEvent", rejected, BUSINESS_DATE),
        "loan approved": java.event(
            "LoanApprovedBusinessEvent",
            fp.loan_account(LOAN, CLIENT, disbursed=None),
            BUSINESS_DATE,
        ),
        "loan disbursed": java.event(
            "LoanDisbursalBusinessEvent", fp.loan_account(LOAN, CLIENT), BUSINESS_DATE
        ),
        "repayment due": java.event(
            "LoanRepaymentDueBusinessEvent",
            fp.repayment_due(LOAN, 7, due, "2000", "120"),
            BUSINESS_DATE,
        ),
        "repayment overdue": java.event(
            "LoanRepaymentOverdueBusinessEvent",
            fp.repayment_due(LOAN, 6, overdue, "2000", "120", past_due="2120"),
            BUSINESS_DATE,
        ),
        "repayment made": java.event(
            "LoanTransactionMakeRepaymentPostBusinessEvent",
            fp.repayment_made(LOAN, 5001, "2120.50", BUSINESS_DATE, "7879.5"),
            BUSINESS_DATE,
        ),
        "repayment at the schema's limits": java.event(
            "LoanTransactionMakeRepaymentPostBusinessEvent", limits, BUSINESS_DATE
        ),
        "savings deposit (ignored)": java.event(
            "SavingsDepositBusinessEvent",
            fp.savings_deposit(3001, 9001, "5000", BUSINESS_DATE, "18250.75"),
            BUSINESS_DATE,
        ),
        "loan charge added (ignored)": java.event(
            "LoanAddChargeBusinessEvent", fp.loan_charge(LOAN, 11, "30", due), BUSINESS_DATE
        ),
        "bulk from the close of business": java.bulk(
            [
                java.item(
                    "LoanRepaymentOverdueBusinessEvent",
                    fp.repayment_due(LOAN, 6, overdue, "2000", "120", past_due="2120"),
                ),
                java.item(
                    "LoanDelinquencyRangeChangeBusinessEvent",
                    fp.delinquency_range(LOAN, "2120", overdue),
                ),
            ],
            BUSINESS_DATE,
            message_id=3,
        ),
    }


MESSAGES = _messages()


def test_java_fingerprints_every_shipped_schema_as_we_do() -> None:
    theirs = java.fingerprints()
    names = {f"{d['namespace']}.{d['name']}" for d in map(_document, _schema_files())}
    assert set(theirs) == names
    assert theirs == {name: fingerprint for fingerprint, name in by_fingerprint().items()}
    assert theirs == {name: fingerprint_of(name) for name in names}


def _schema_files() -> list[Path]:
    return [p for p in SHIPPED.rglob("*.avsc") if "avro-templates" not in p.parts]


def _document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


@pytest.mark.parametrize("case", list(MESSAGES))
def test_a_java_encoded_value_reads_back_with_its_field_values(case: str) -> None:
    message = MESSAGES[case]
    [value] = java.encode([message])
    envelope, schema, payload = read_message(value)
    assert schema == message.dataschema
    _assert_same(envelope, message.envelope | {"dataschema": schema, "data": envelope["data"]})
    if message.items:
        assert len(payload["datas"]) == len(message.items)
        for n, (item, sent) in enumerate(zip(payload["datas"], message.items, strict=True), 1):
            assert (item["id"], item["type"], item["category"]) == (
                n,
                sent.event_type,
                sent.category,
            )
            _, record = read_single_object(item["data"], sent.dataschema)
            _assert_same(record, sent.payload)
    else:
        _assert_same(payload, message.payload)
    # What Dunwell's own encoder writes for the same records is Java's value byte for byte.
    assert write_single_object(schema, payload) == envelope["data"]
    assert write_single_object(MESSAGE, envelope) == value


def _assert_same(decoded: Any, sent: Any, path: str = "$") -> None:
    """``decoded`` (fastavro's reading) holds the field values of the plain JSON ``sent``."""
    if isinstance(decoded, dict):
        assert isinstance(sent, dict), path
        assert set(sent) <= set(decoded), f"{path}: {set(sent) - set(decoded)}"
        for key, value in decoded.items():
            _assert_same(value, sent.get(key), f"{path}.{key}")
    elif isinstance(decoded, list):
        assert isinstance(sent, list), path
        assert len(decoded) == len(sent), path
        for n, (d, s) in enumerate(zip(decoded, sent, strict=True)):
            _assert_same(d, s, f"{path}[{n}]")
    elif isinstance(decoded, Decimal):
        assert decoded == Decimal(sent), path
        assert decoded.as_tuple().exponent == -8, f"{path}: scale 8, as the schemas say"
    else:
        assert decoded == sent, path
        assert type(decoded) is type(sent), path


def test_the_schedule_arrives_whole() -> None:
    [value] = java.encode([MESSAGES["loan disbursed"]])
    _, _, loan = read_message(value)
    periods = loan["repaymentSchedule"]["periods"]
    assert loan["clientId"] == CLIENT
    assert [p["period"] for p in periods] == [None, 1, 2, 3, 4, 5, 6]
    assert [p["dueDate"] for p in periods[1:3]] == ["2026-07-10", "2026-08-10"]
    assert periods[1]["totalDueForPeriod"] == Decimal("2120.00000000")
    assert sum(p["principalDue"] for p in periods[1:]) == Decimal(loan["principal"])
    assert loan["repaymentSchedule"]["currency"]["code"] == "CNY"


def _decode(value: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    source = tmp_path / "value.bin"
    source.write_bytes(value)
    return subprocess.run(  # noqa: S603 - our own interpreter and CLI, fixed arguments
        [sys.executable, "-m", "services.cli", "fineract", "decode", str(source)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_decode_command_reads_a_java_encoded_repayment_due(tmp_path: Path) -> None:
    [value] = java.encode([MESSAGES["repayment due"]])
    run = _decode(value, tmp_path)
    assert run.returncode == 0, run.stderr
    event = json.loads(run.stdout)
    assert event["type"] == "corebanking.loan.instalment-due.v1"
    assert event["loan_id"] == str(LOAN)
    assert Decimal(event["amount_due"]) == Decimal("2120")
    assert event["due_date"] == "2027-01-10"
    assert event["instalment_number"] == 7


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "repayment overdue",
            {"type": "corebanking.loan.instalment-overdue.v1", "amount_due": "2120"}
            | {"due_date": "2026-12-10", "instalment_number": 6, "days_past_due": 25},
        ),
        (
            "repayment made",
            {"type": "corebanking.loan.repayment-posted.v1", "amount": "2120.50"}
            | {"value_date": BUSINESS_DATE.isoformat()},
        ),
    ],
)
def test_the_decode_command_reads_the_other_java_encoded_loan_events(
    case: str, expected: dict[str, Any]
) -> None:
    [value] = java.encode([MESSAGES[case]])
    result = CliRunner().invoke(main, ["fineract", "decode", "-"], input=value)
    assert result.exit_code == 0, result.output
    event = json.loads(result.output)
    assert event["loan_id"] == str(LOAN)
    for key, want in expected.items():
        got = event[key]
        assert (Decimal(got) == Decimal(want)) if key.startswith("amount") else got == want, key


def test_the_decode_command_refuses_a_truncated_java_value(tmp_path: Path) -> None:
    [value] = java.encode([MESSAGES["repayment due"]])
    run = _decode(value[:-5], tmp_path)
    assert run.returncode != 0
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert run.stderr.startswith("error: ")


def test_the_java_encoder_refuses_a_field_the_schema_lacks() -> None:
    wrong = java.event(
        "LoanRepaymentDueBusinessEvent", {"loanId": LOAN, "dueDate": "x"}, BUSINESS_DATE
    )
    with pytest.raises(java.JavaEncodingError, match="has no field dueDate"):
        java.encode([wrong])
