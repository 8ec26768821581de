"""Every Fineract value to what it means: accounts, clients, bulk messages, the types ignored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.scheduler.adapters.fineract.clients import ClientDefaults
from services.scheduler.adapters.fineract.codec import write_single_object
from services.scheduler.adapters.fineract.translate import known_types, label, translate
from shared.errors import InvalidEvent
from shared.events import (
    ContactDetailsChanged,
    InstalmentDue,
    LoanClosed,
    LoanOpened,
    LoanRescheduled,
    LoanWrittenOff,
)
from tests.support.fineract import (
    NS,
    account_payload,
    bulk,
    client,
    client_payload,
    instalment,
    loan_account,
    message,
    period,
    repayment_due,
)

DAY = date(2026, 3, 2)
PERIODS = [period(1, date(2026, 4, 2), "1000", "50"), period(2, date(2026, 5, 2), "1000", "40")]


def test_a_disbursed_loan_opens_with_its_schedule_and_its_client_as_the_debtor() -> None:
    [t] = translate(loan_account("LoanDisbursalBusinessEvent", 7, 42, PERIODS, business_date=DAY))
    [opened] = t.events
    assert isinstance(opened, LoanOpened)
    assert (opened.loan_id, opened.debtor_id, opened.currency) == ("7", "42", "CNY")
    assert opened.account_number == "000000007"
    assert [(i.number, i.due_date, i.principal, i.interest) for i in opened.schedule] == [
        (1, date(2026, 4, 2), Decimal(1000), Decimal(50)),
        (2, date(2026, 5, 2), Decimal(1000), Decimal(40)),
    ]
    assert opened.principal == Decimal(2000)
    assert t.source_type == "LoanDisbursalBusinessEvent"


def test_a_loan_opens_from_what_is_still_owed() -> None:
    paid = {**PERIODS[0], "principalPaid": Decimal(1000), "principalOutstanding": Decimal(0)}
    paid |= {"interestPaid": Decimal(50), "interestOutstanding": Decimal(0), "complete": True}
    [t] = translate(
        loan_account(
            "LoanBalanceChangedBusinessEvent", 7, 42, [paid, PERIODS[1]], business_date=DAY
        )
    )
    [opened] = t.events
    assert isinstance(opened, LoanOpened)
    assert [i.principal + i.interest for i in opened.schedule] == [Decimal(0), Decimal(1040)]


@pytest.mark.parametrize(
    "status",
    [
        {"code": "loanStatusType.approved", "waitingForDisbursal": True, "active": False},
        {"code": "loanStatusType.submitted.and.pending.approval", "pendingApproval": True},
    ],
)
def test_a_loan_not_yet_disbursed_is_ignored(status: dict[str, object]) -> None:
    [t] = translate(
        loan_account("LoanApprovedBusinessEvent", 7, 42, PERIODS, business_date=DAY, status=status)
    )
    assert t.ignored
    assert t.source_type == "LoanApprovedBusinessEvent"


def test_a_loan_of_no_client_opens_nothing() -> None:
    [t] = translate(loan_account("LoanDisbursalBusinessEvent", 7, None, PERIODS, business_date=DAY))
    assert t.ignored


def test_a_reschedule_replaces_the_unpaid_instalments() -> None:
    later = [period(1, date(2026, 6, 2), "2000", "90")]
    [t] = translate(
        loan_account(
            "LoanRescheduledDueAdjustScheduleBusinessEvent", 7, 42, later, business_date=DAY
        )
    )
    opened, rescheduled = t.events
    assert isinstance(opened, LoanOpened)
    assert isinstance(rescheduled, LoanRescheduled)
    assert opened.event_id != rescheduled.event_id
    assert [(i.due_date, i.principal) for i in rescheduled.schedule] == [
        (date(2026, 6, 2), Decimal(2000))
    ]


@pytest.mark.parametrize(
    ("event_type", "status", "expected"),
    [
        (
            "LoanStatusChangedBusinessEvent",
            {"closed": True, "closedObligationsMet": True},
            LoanClosed,
        ),
        (
            "LoanStatusChangedBusinessEvent",
            {"closed": True, "closedWrittenOff": True},
            LoanWrittenOff,
        ),
        ("LoanUndoDisbursalBusinessEvent", {"waitingForDisbursal": True}, LoanClosed),
    ],
)
def test_closed_written_off_and_undone_loans_stop(
    event_type: str, status: dict[str, object], expected: type
) -> None:
    value = loan_account(event_type, 7, 42, PERIODS, business_date=DAY, status=status)
    [t] = translate(value)
    [event] = t.events
    assert isinstance(event, expected)
    assert isinstance(event, LoanClosed | LoanWrittenOff)
    assert event.loan_id == "7"


def test_a_client_becomes_contact_details_in_e164_with_the_banks_region() -> None:
    [t] = translate(client("ClientCreateBusinessEvent", 42, "138 0013 8000", business_date=DAY))
    [details] = t.events
    assert isinstance(details, ContactDetailsChanged)
    assert (details.debtor_id, details.mobile) == ("42", "+8613800138000")
    assert details.email == "zhangwei@borrower.example"
    assert (details.provenance, details.role, details.locale) == ("core_banking", "debtor", "zh-CN")
    assert details.timezone == "Asia/Shanghai"
    # gender and dateOfBirth arrived with the client: dropped, never read, counted.
    assert t.protected_dropped == 2
    assert "gender" not in details.model_dump_json()


def test_the_region_and_language_come_from_the_banks_settings() -> None:
    value = client("ClientActivateBusinessEvent", 43, "(415) 555-2671", business_date=DAY)
    defaults = ClientDefaults(region="US", locale="en", timezone="America/Los_Angeles")
    [t] = translate(value, None, defaults)
    [details] = t.events
    assert isinstance(details, ContactDetailsChanged)
    assert (details.mobile, details.locale) == ("+14155552671", "en")


@pytest.mark.parametrize(
    ("mobile", "email", "expected"),
    [
        ("12345", "zhangwei@borrower.example", (None, "zhangwei@borrower.example")),
        ("13800138000", "not an address", ("+8613800138000", None)),
    ],
)
def test_an_unusable_contact_point_is_left_out(
    mobile: str, email: str, expected: tuple[str | None, str | None]
) -> None:
    [t] = translate(client("ClientCreateBusinessEvent", 42, mobile, email, business_date=DAY))
    [details] = t.events
    assert isinstance(details, ContactDetailsChanged)
    assert (details.mobile, details.email) == expected


def test_a_client_with_no_contact_point_or_a_rejected_applicant_is_ignored() -> None:
    [none] = translate(client("ClientCreateBusinessEvent", 42, None, None, business_date=DAY))
    [rejected] = translate(client("ClientRejectBusinessEvent", 42, business_date=DAY))
    assert none.ignored
    assert rejected.ignored
    assert rejected.source_type == "ClientRejectBusinessEvent"


def test_other_types_are_acknowledged_with_a_bounded_label() -> None:
    loan_product = message(
        "LoanProductCreateBusinessEvent",
        f"{NS}.loan.v1.LoanProductDataV1",
        {"id": 1, "name": "个人消费贷"},
        business_date=DAY,
    )
    [t] = translate(loan_product)
    assert t.ignored
    assert t.source_type == "LoanProductCreateBusinessEvent"
    unknown = message(
        "SomethingNewBusinessEvent", f"{NS}.loan.v1.LoanProductDataV1", {"id": 1}, business_date=DAY
    )
    [u] = translate(unknown)
    assert u.ignored
    assert u.source_type == "other"
    assert label("ClientCreateBusinessEvent") == "ClientCreateBusinessEvent"
    assert {"BulkBusinessEvent", "LoanRepaymentDueBusinessEvent"} <= known_types()
    assert len(known_types()) > 100


def test_a_bulk_message_is_unpacked_each_item_as_if_alone() -> None:
    due = {
        "loanId": 7,
        "loanAccountNo": "000000007",
        "installment": {
            "installmentNumber": 1,
            "installmentDueDate": "2026-04-02",
            "totalAmountDue": Decimal(1050),
        },
    }
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
                account_payload(7, 42, PERIODS),
            ),
            ("LoanRepaymentDueBusinessEvent", f"{NS}.loan.v1.LoanRepaymentDueDataV1", due),
            ("LoanProductCreateBusinessEvent", f"{NS}.loan.v1.LoanProductDataV1", {"id": 1}),
        ],
        business_date=DAY,
    )
    items = translate(value)
    assert [t.source_type for t in items] == [
        "ClientCreateBusinessEvent",
        "LoanDisbursalBusinessEvent",
        "LoanRepaymentDueBusinessEvent",
        "LoanProductCreateBusinessEvent",
    ]
    details, opened, reminder = (t.events[0] for t in items[:3])
    assert isinstance(details, ContactDetailsChanged)
    assert isinstance(opened, LoanOpened)
    assert isinstance(reminder, InstalmentDue)
    assert items[3].ignored
    ids = [e.event_id for t in items for e in t.events]
    assert len(set(ids)) == 3
    assert translate(value) == items  # a redelivered bulk maps to the very same ids


def test_a_bulk_item_that_does_not_decode_fails_the_whole_value() -> None:
    schema = f"{NS}.loan.v1.LoanRepaymentDueDataV1"
    good = write_single_object(
        schema, {"loanId": 1, "loanAccountNo": "1", "installment": instalment(1, DAY, "10")}
    )
    value = bulk(
        [
            ("LoanRepaymentDueBusinessEvent", schema, good),
            ("LoanRepaymentDueBusinessEvent", schema, good[:12]),
        ],
        business_date=DAY,
    )
    with pytest.raises(InvalidEvent, match=r"does not (map|match)"):
        translate(value)


def test_a_known_type_with_a_payload_that_does_not_map_is_refused() -> None:
    broken = repayment_due("LoanRepaymentDueBusinessEvent", 7, 1, DAY, "10", DAY)
    assert translate(broken)[0].events  # the well-formed one maps
    bad = message(
        "LoanDisbursalBusinessEvent",
        f"{NS}.loan.v1.LoanAccountDataV1",
        {**account_payload(7, 42, PERIODS), "id": None},
        business_date=DAY,
    )
    with pytest.raises(InvalidEvent, match="does not map"):
        translate(bad)
