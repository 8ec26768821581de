"""``dunwell fineract decode``: a raw Fineract value as the Dunwell event it maps to."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from services.cli import main
from services.scheduler.entrypoints.cli import fineract_commands
from shared.events import Event
from tests.support.fineract import loan_key, repayment_due


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

    def ignored(value: bytes, key: bytes | None) -> Event | None:
        keys.append(key)
        return None

    result = CliRunner().invoke(
        fineract_commands(ignored), ["decode", "-", "--loan-id", "7"], input=b"\xc3\x01"
    )
    assert result.exit_code == 1
    assert "does not act on" in result.output
    assert keys == [loan_key(7)]
