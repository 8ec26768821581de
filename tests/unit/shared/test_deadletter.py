"""Dead-letter records keep the original bytes and say why and where from."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from shared import deadletter
from shared.errors import InvalidEvent
from shared.topics import Topics


def test_the_record_keeps_the_original_and_adds_the_reason() -> None:
    record = deadletter.dead_letter_record(
        key=b"loan-1",
        value=b"{broken",
        headers=[("ce_id", b"x")],
        source=("corebanking.loan-events.v1", 3, 42),
        error=InvalidEvent("schema: amount_due: decimal_parsing"),
        service="scheduler",
        now=datetime(2026, 3, 4, tzinfo=UTC),
    )
    assert (record.key, record.value) == (b"loan-1", b"{broken")
    headers = list(record.headers)
    assert deadletter.header(headers, "ce_id") == "x"
    assert deadletter.header(headers, deadletter.REASON) == "schema: amount_due: decimal_parsing"
    assert deadletter.header(headers, deadletter.REASON_CODE) == "invalid_event"
    assert deadletter.header(headers, deadletter.SOURCE_OFFSET) == "42"
    assert deadletter.header(headers, deadletter.SOURCE_PARTITION) == "3"
    assert deadletter.header(headers, deadletter.SERVICE) == "scheduler"


def test_a_reason_never_carries_personal_data() -> None:
    record = deadletter.dead_letter_record(
        key=None,
        value=b"",
        headers=[],
        source=("t", 0, 0),
        error=InvalidEvent("bad mobile +8613812345678"),
        service="notifier",
    )
    assert "13812345678" not in (deadletter.header(list(record.headers), deadletter.REASON) or "")


def test_building_a_dead_letter_reaches_no_kafka_client_nor_metrics() -> None:
    # The audit's pure domain and its offline verifier read dead letters' headers.
    code = "import sys, shared.deadletter; print(sorted(m for m in sys.modules if m in BANNED))"
    banned = "BANNED = {'aiokafka', 'prometheus_client', 'aiohttp', 'faust'}\n"
    found = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", banned + code], capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"


def test_namespaced_topics_keep_environments_apart() -> None:
    assert Topics("").contact_requests == "dunwell.contact-requests.v1"
    assert Topics("t1").contact_requests == "t1.dunwell.contact-requests.v1"
    assert "t1.dunwell.contact-requests.v1.dlq" in Topics("t1").all()
