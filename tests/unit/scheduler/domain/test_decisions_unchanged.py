"""The sweep's shortcut: a loan ``unchanged_by`` a day is one the full sweep leaves as it is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sandbox.loanbook import Item
from services.scheduler.adapters import loan_codec
from services.scheduler.bootstrap import memory_deps
from services.scheduler.domain.decisions import evaluate, pre_due, unchanged_by
from services.scheduler.domain.loan import Loan, OpenDispute, Promise
from shared.events import BusinessDayClosed
from tests.support.scheduler_book import run_book
from tests.unit.scheduler.support import CONTEXT, opened


def _states_over_a_book() -> list[Loan]:
    """Every loan's state at each close of business of a simulated book (before the close)."""
    deps = memory_deps(plan=CONTEXT)
    seen: list[Loan] = []

    def look(item: Item) -> None:
        if isinstance(item.event, BusinessDayClosed) and item.partition == 0:
            seen.extend(deps.loans.loans.values())  # type: ignore[attr-defined]

    run_book(deps, 120, 70, "unchanged", before=look)
    return seen


def _close(day: date) -> BusinessDayClosed:
    return BusinessDayClosed(
        event_id=f"close-{day}", occurred_at=datetime(2026, 1, 1, tzinfo=UTC), business_date=day
    )


def _left_alone(loan: Loan, day: date) -> bool:
    """What the sweep decides in full: the very same loan and no output."""
    evaluated, outputs = evaluate(loan, day, CONTEXT)
    reminded = pre_due(evaluated, _close(day), CONTEXT)
    return evaluated is loan and reminded.loan is loan and not outputs and not reminded.outputs


def test_every_loan_it_skips_the_full_sweep_leaves_alone() -> None:
    skipped = swept = 0
    distinct = {loan_codec.dumps(loan): loan for loan in _states_over_a_book()}
    for n, loan in enumerate(distinct.values()):
        # Days around each loan's due dates (reminders, due, just overdue) and between them.
        first = loan.instalments[0].due_date if loan.instalments else date(2026, 3, 2)
        for ahead in range(-4 + n % 3, 66, 3):
            day = first + timedelta(days=ahead)
            if unchanged_by(loan, day, CONTEXT):
                skipped += 1
                assert _left_alone(loan, day), (loan.loan_id, day)
            else:
                swept += 1
    # Neither side is empty: the shortcut is taken, and not for everything.
    assert skipped > 1_000
    assert swept > 1_000


def _loan(**update: object) -> Loan:
    evaluated, _ = evaluate(_opened(), date(2026, 3, 1), CONTEXT)
    return evaluated.model_copy(update=update)


def _opened() -> Loan:
    from services.scheduler.domain.planner import apply

    made = apply(None, opened(first_due=date(2026, 3, 10)), CONTEXT).loan
    assert made is not None
    return made


def test_a_loan_with_something_due_or_overdue_is_swept_in_full() -> None:
    loan = _loan()
    assert unchanged_by(loan, date(2026, 3, 1), CONTEXT)  # nothing due for a week
    assert not unchanged_by(loan, date(2026, 3, 7), CONTEXT)  # the 3-day reminder's day
    assert not unchanged_by(loan, date(2026, 3, 12), CONTEXT)  # unpaid after its due date
    assert not unchanged_by(loan.model_copy(update={"in_episode": True}), date(2026, 3, 1), CONTEXT)
    promise = Promise(amount=1, by=date(2026, 3, 2), paid_before=0)
    assert not unchanged_by(loan.model_copy(update={"promise": promise}), date(2026, 3, 1), CONTEXT)


def test_a_closed_loan_an_unnamed_borrower_and_a_dispute_need_no_reminder() -> None:
    loan = _loan()
    reminder_day = date(2026, 3, 7)
    assert unchanged_by(loan.model_copy(update={"status": "closed"}), reminder_day, CONTEXT)
    assert unchanged_by(loan.model_copy(update={"debtor_id": None}), reminder_day, CONTEXT)
    dispute = OpenDispute(dispute_id="x", category="dispute", opened_on=date(2026, 3, 1))
    disputed = loan.model_copy(update={"disputes": (dispute,)})
    assert unchanged_by(disputed, reminder_day, CONTEXT)
    assert _left_alone(disputed, reminder_day)
