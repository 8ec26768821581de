"""Field visit test data: the scheduler's proposals and cancellations for one desk loan."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.events import PlanInstalment, VisitCancelled, VisitProposed, VisitSlot, derived_event_id
from shared.visit_events import VisitCancelReason
from tests.support.desk import OPENED, Loan, statement

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Thursday 12 March 2026 (a business day in the cn calendar), 09:30 in Shanghai.
VISIT_DAY = date(2026, 3, 12)
PLACE = {
    "zh-CN": "示例银行上海浦东支行（上海市浦东新区世纪大道100号）",
    "en": "Example Bank Shanghai Pudong Branch, 100 Century Avenue, Pudong New Area, Shanghai",
}


def proposal(loan: Loan, sequence: int = 1, day: date = VISIT_DAY) -> VisitProposed:
    visit_id = derived_event_id(loan.loan_id, "1", "visit", str(sequence))
    start = datetime.combine(day, time(9, 30), SHANGHAI)
    return VisitProposed(
        event_id=visit_id,
        occurred_at=OPENED,
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
        episode=1,
        slot=VisitSlot(
            visit_id=visit_id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            branch_id="sh-pudong",
            place=PLACE,
        ),
        notice_id=derived_event_id(loan.loan_id, "1", f"visit-notice-{sequence}"),
        sequence=sequence,
        replaces=derived_event_id(loan.loan_id, "1", "visit", str(sequence - 1))
        if sequence > 1
        else None,
        statement=statement(),
        proposed_plan=(
            PlanInstalment(due_date=date(2026, 4, 13), amount=Decimal("750.00")),
            PlanInstalment(due_date=date(2026, 5, 12), amount=Decimal("750.00")),
        ),
    )


def cancellation(
    loan: Loan, proposed: VisitProposed, reason: VisitCancelReason = "cured"
) -> VisitCancelled:
    return VisitCancelled(
        event_id=derived_event_id(proposed.slot.visit_id, "cancelled", reason),
        occurred_at=OPENED + timedelta(hours=2),
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
        episode=1,
        visit_id=proposed.slot.visit_id,
        reason=reason,
        notice_id=derived_event_id(loan.loan_id, "cancel") if reason == "cured" else None,
    )
