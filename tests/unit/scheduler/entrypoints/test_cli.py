"""``dunwell fineract decode``: a raw Fineract value as the Dunwell event it maps to."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from services.cli import main
from services.scheduler.domain.translation import Translated
from services.scheduler.entrypoints.cli import fineract_commands
from tests.support.fineract import (
    NS,
    account_payload,
    bulk,
    client_payload,
    loan_key,
    period,
    repayment_due,
)


def test_the_decode_command(tmp_path: Path) -> None:
    value = tmp_path / "value.bin"
    value.write_bytes(
        repayment_due(
            "LoanRepaymentOverdueBusinessEvent", 7, 1, date(2026, 3, 10), "1050", date(2026, 3, 13)
        )
    )
    result = CliRunner().invoke(main, ["fineract", "decode", str(value)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["type"] == "corebanking.loan.instalment-overdue.v1"
    bad = CliRunner().invoke(main, ["fineract", "decode", "-"], input=b"not avro")
    assert bad.exit_code == 1
    assert "single-object" in bad.output


def test_an_event_dunwell_reads_but_does_not_act_on_is_said_so() -> None:
    keys: list[bytes | None] = []

    def ignored(value: bytes, key: bytes | None) -> tuple[Translated, ...]:
        keys.append(key)
        return (Translated("LoanProductCreateBusinessEvent"),)

    result = CliRunner().invoke(
        fineract_commands(lambda: ignored), ["decode", "-", "--loan-id", "7"], input=b"\xc3\x01"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "ignored: LoanProductCreateBusinessEvent" in result.stderr
    assert keys == [loan_key(7)]


def test_a_bulk_message_prints_every_event_it_carries(tmp_path: Path) -> None:
    periods = [period(1, date(2026, 4, 2), "1000")]
    value = bulk(
        [
            (
                "ClientCreateBusinessEvent",
                f"{NS}.client.v1.ClientDataV1",
                client_payload(42, "13800138000", None),
            ),
            (
                "LoanDisbursalBusinessEvent",
                f"{NS}.loan.v1.LoanAccountDataV1",
                account_payload(7, 42, periods),
            ),
        ],
        business_date=date(2026, 3, 2),
    )
    result = CliRunner().invoke(main, ["fineract", "decode", "-"], input=value)
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert [e["type"] for e in printed] == [
        "corebanking.customer.contact-details-changed.v1",
        "corebanking.loan.opened.v1",
    ]
    assert printed[0]["mobile"] == "+8613800138000"
    assert (printed[1]["loan_id"], printed[1]["debtor_id"]) == ("7", "42")
