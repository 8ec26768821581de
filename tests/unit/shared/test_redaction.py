"""No phone number, email or account number survives into a log line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from shared.logging import logging_config
from shared.redaction import REDACTED, mask_account, redact_fields, redact_text


@pytest.mark.parametrize(
    "secret",
    ["+8613812345678", "13812345678", "+1 415 555 0100", "li.wei@example.com", "6222020012345678"],
)
def test_personal_data_is_masked_in_free_text(secret: str) -> None:
    assert secret not in redact_text(f"contact {secret} now")


def test_ids_and_amounts_survive() -> None:
    text = "loan-3f9a1c debtor-77 owes 1234.50 CNY, 3 days past due"
    assert redact_text(text) == text


def test_sensitive_fields_are_masked_whatever_they_hold() -> None:
    fields = redact_fields({"name": "Li Wei", "loan_id": "loan-1", "nested": {"email": "x"}})
    assert fields == {"name": REDACTED, "loan_id": "loan-1", "nested": {"email": REDACTED}}


def test_account_mask_shows_the_last_four_digits_only() -> None:
    assert mask_account("6222 0200 1234 5678") == "****5678"


def test_log_lines_are_json_and_redacted() -> None:
    stream = io.StringIO()
    config = logging_config("test")
    config["handlers"]["stdout"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        logging.getLogger("t").warning(
            "sent to %s", "li.wei@example.com", extra={"mobile": "+8613812345678", "loan_id": "L1"}
        )
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    line = json.loads(stream.getvalue())
    assert line["service"] == "test"
    assert line["loan_id"] == "L1"
    assert "li.wei" not in stream.getvalue()
    assert "13812345678" not in stream.getvalue()
