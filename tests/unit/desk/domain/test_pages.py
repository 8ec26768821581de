"""What the console's pages show: local times, amounts as the texts write them, queue rows."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ValidationError

from services.desk.domain.pages import ACTION_FIELDS, day, invalid, money, task_rows, when

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_instants_show_in_the_banks_local_time() -> None:
    assert when("2026-03-04T16:30:00+00:00", SHANGHAI) == "2026-03-05 00:30"
    assert when(None, SHANGHAI) == ""


@pytest.mark.parametrize(
    ("value", "currency", "lang", "shown"),
    [
        ("1500.00", "CNY", "zh-CN", "1,500.00元"),
        (Decimal("1250"), "CNY", "en", "CNY 1,250.00"),
        ("99.5", "USD", "zh-CN", "USD 99.50"),
        ("7", None, "en", "7.00"),
        (None, "CNY", "zh-CN", ""),
        ("n/a", "CNY", "en", "n/a"),
    ],
)
def test_amounts_as_the_borrowers_texts_write_them(
    value: str | Decimal | None, currency: str | None, lang: str, shown: str
) -> None:
    assert money(value, currency, lang) == shown


def test_queue_rows_are_the_earliest_due_first_with_the_overdue_marked() -> None:
    tasks = [
        {"task_id": "b", "loan_id": "l2", "kind": "dispute", "status": "open",
         "due_at": "2026-03-06T10:00:00+00:00", "overdue": False, "assignee": None},
        {"task_id": "a", "loan_id": "l1", "kind": "complaint", "status": "in_progress",
         "due_at": "2026-03-05T10:00:00+00:00", "overdue": True, "assignee": "agent-7"},
    ]  # fmt: skip
    rows = task_rows(tasks, SHANGHAI)
    assert [(r.task_id, r.due, r.overdue) for r in rows] == [
        ("a", "2026-03-05 18:00", True),
        ("b", "2026-03-06 18:00", False),
    ]


def test_a_forms_errors_name_the_fields_never_the_values() -> None:
    class Body(BaseModel):
        promised_by: int

    with pytest.raises(ValidationError) as caught:
        Body.model_validate({"promised_by": "call +8613800000001"})
    assert invalid(caught.value) == "invalid: promised_by"
    assert "+86" not in invalid(caught.value)


def test_each_action_shows_the_fields_it_needs() -> None:
    assert ACTION_FIELDS["promise_to_pay"] == ("promised_amount", "promised_by")
    assert ACTION_FIELDS["instalment_request"] == ("requested_until",)  # how long the plan holds
    assert ACTION_FIELDS["dispute"] == ()
    assert day("2026-03-10") is not None
    assert day("") is None
