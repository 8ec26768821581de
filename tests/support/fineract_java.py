"""Fineract Kafka values written by Apache Avro's own Java library, as Apache Fineract writes them.

An encoder independent of Dunwell's codec: ``tests/interop/fineract/Encode.java`` parses the
shipped .avsc files with ``org.apache.avro.Schema.Parser`` and writes values with
``BinaryMessageEncoder`` (see its header). One JVM serves the whole test session; requests and
answers are JSON lines. Payloads are plain JSON shaped by the shipped schemas: amounts as
decimal strings, dates as ISO strings, absent fields null.
"""

from __future__ import annotations

import atexit
import base64
import json
import subprocess
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import IO, Any, Final

from tests.support.fineract_payloads import (
    CHARGE,
    CLIENT,
    DELINQUENCY,
    LOAN,
    NS,
    REPAYMENT_DUE,
    SAVINGS_TRANSACTION,
    TRANSACTION,
    Payload,
)

ROOT: Final = Path(__file__).resolve().parents[2]
SCRIPT: Final = ROOT / "tests" / "interop" / "fineract" / "avro-java.sh"
SCHEMAS: Final = ROOT / "services" / "scheduler" / "adapters" / "fineract" / "avro"
BULK: Final = f"{NS}.BulkMessagePayloadV1"
#: Fineract names its source with a random UUID per process (MessageFactory.SOURCE_UUID).
SOURCE: Final = "7f3c1a52-9d0e-4b8a-a6c1-3e5b2d9f8a10"


class JavaEncodingError(RuntimeError):
    """The Java encoder refused a request (its reason as the message)."""


@dataclass(frozen=True)
class BulkItem:
    """One event inside a BulkBusinessEvent (a BulkMessageItemV1)."""

    event_type: str
    dataschema: str
    payload: Payload
    category: str = "nocategory"  # what Fineract's BulkMessageItemFactory writes


@dataclass(frozen=True)
class JavaMessage:
    """One MessageV1 Kafka value to be written: its envelope and its payload (or bulk items)."""

    event_type: str
    category: str
    dataschema: str
    business_date: date
    payload: Payload = field(default_factory=dict)
    items: tuple[BulkItem, ...] = ()
    message_id: int = 1
    created_at: datetime | None = None

    @property
    def envelope(self) -> Payload:
        created = self.created_at or datetime.combine(self.business_date, time(1, 2, 3, 456789))
        return {
            "id": self.message_id,
            "source": SOURCE,
            "type": self.event_type,
            "category": self.category,
            "createdAt": created.isoformat(timespec="microseconds"),
            "businessDate": self.business_date.isoformat(),
            "tenantId": "default",
            "idempotencyKey": str(
                uuid.uuid5(uuid.NAMESPACE_OID, f"{self.event_type}{self.message_id}")
            ),
        }

    def request(self) -> Payload:
        request: Payload = {"message": self.envelope, "dataschema": self.dataschema}
        if self.items:
            request["items"] = [
                {"id": n, "type": i.event_type, "category": i.category}
                | {"dataschema": i.dataschema, "payload": i.payload}
                for n, i in enumerate(self.items, start=1)
            ]
        else:
            request["payload"] = self.payload
        return request


class JavaEncoder:
    """The Java encoder as a child process: one JSON line in, one JSON line out."""

    def __init__(self) -> None:
        prepared = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [str(SCRIPT)], capture_output=True, text=True, check=False
        )
        if prepared.returncode != 0:
            raise RuntimeError(f"{SCRIPT.name} failed: {prepared.stderr.strip()}")
        classpath = prepared.stdout.strip().splitlines()[-1]
        self._process = subprocess.Popen(  # noqa: S603 - java with our own class, fixed arguments
            ["java", "-XX:TieredStopAtLevel=1", "-cp", classpath, "Encode", str(SCHEMAS)],  # noqa: S607
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        if self._process.stdin is None or self._process.stdout is None:
            raise RuntimeError("the Java encoder has no pipes")
        self._in: IO[str] = self._process.stdin
        self._out: IO[str] = self._process.stdout

    def ask(self, request: Payload) -> Payload:
        self._in.write(json.dumps(request, ensure_ascii=False) + "\n")
        self._in.flush()
        line = self._out.readline()
        if not line:
            raise RuntimeError(f"the Java encoder exited (status {self._process.wait()})")
        answer: Payload = json.loads(line)
        if "error" in answer:
            raise JavaEncodingError(answer["error"])
        return answer

    def close(self) -> None:
        self._in.close()
        self._process.wait(timeout=30)
        self._out.close()


@cache
def _encoder() -> JavaEncoder:
    encoder = JavaEncoder()
    atexit.register(encoder.close)
    return encoder


def encode(messages: Iterable[JavaMessage]) -> list[bytes]:
    """The Kafka values Apache Avro's Java library writes for ``messages``."""
    return [base64.b64decode(_encoder().ask(m.request())["value"]) for m in messages]


def fingerprints() -> dict[str, bytes]:
    """Every shipped schema's single-object fingerprint (8 header bytes) as Java computes it."""
    answer = _encoder().ask({"fingerprints": True})
    return {name: bytes.fromhex(hex_) for name, hex_ in answer["fingerprints"].items()}


def loan_key(loan_id: int) -> bytes:
    """Fineract's Kafka key: the aggregate root id as a Java long (LongSerializer)."""
    return loan_id.to_bytes(8, "big", signed=True)


#: The category and payload schema Fineract sends each event type with (its BusinessEvent
#: classes' getCategory() and their serializers' getSupportedSchema()).
EVENTS: Final = {
    "ClientCreateBusinessEvent": ("Client", CLIENT),
    "ClientActivateBusinessEvent": ("Client", CLIENT),
    "ClientRejectBusinessEvent": ("Client", CLIENT),
    "LoanApprovedBusinessEvent": ("Loan", LOAN),
    "LoanDisbursalBusinessEvent": ("Loan", LOAN),
    "LoanRepaymentDueBusinessEvent": ("Loan", REPAYMENT_DUE),
    "LoanRepaymentOverdueBusinessEvent": ("Loan", REPAYMENT_DUE),
    "LoanTransactionMakeRepaymentPostBusinessEvent": ("Loan", TRANSACTION),
    "LoanAddChargeBusinessEvent": ("Loan", CHARGE),
    "LoanDelinquencyRangeChangeBusinessEvent": ("Loan", DELINQUENCY),
    "SavingsDepositBusinessEvent": ("Savings", SAVINGS_TRANSACTION),
}


def event(event_type: str, payload: Payload, business_date: date, **kw: Any) -> JavaMessage:
    """One Fineract event of a type in :data:`EVENTS`, carrying ``payload``."""
    category, schema = EVENTS[event_type]
    return JavaMessage(event_type, category, schema, business_date, payload, **kw)


def item(event_type: str, payload: Payload) -> BulkItem:
    """One event of a bulk message."""
    return BulkItem(event_type, EVENTS[event_type][1], payload)


def bulk(items: Iterable[BulkItem], business_date: date, **kw: Any) -> JavaMessage:
    """A BulkBusinessEvent: what Fineract's close of business posts for one loan's events."""
    return JavaMessage("BulkBusinessEvent", "Bulk", BULK, business_date, items=tuple(items), **kw)
