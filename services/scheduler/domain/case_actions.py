"""What a borrower's words do to a loan (pure), whether they came as a reply or as a command
(a call's disposition, an agent's action): a tracked promise, a hold with an agent's task, a
task alone, or a dispute that stops collection until the desk resolves it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from services.scheduler.domain import loan as L  # noqa: N812 - the loan module's vocabulary, qualified
from services.scheduler.domain.context import Context, stamp
from services.scheduler.domain.outputs import open_task
from services.scheduler.domain.visits import reschedule
from shared.case_events import DisputeCategory
from shared.dunwell_events import AGREED, TaskKind
from shared.events import (
    ApplyCaseAction,
    BorrowerReplied,
    DisputeOpened,
    DisputeResolved,
    Event,
    ResolveDispute,
    derived_event_id,
)

HOLD_DAYS: Final = 7  # how long a borrower's request holds escalation while an agent answers
#: What each of the borrower's words opens for an agent, and whether it holds escalation.
TASKS: Final[dict[str, tuple[TaskKind, bool]]] = {
    "extension_request": ("extension_request", True),
    "instalment_request": ("instalment_request", True),
    "dispute": ("dispute", True),
    "complaint": ("complaint", True),
    "already_paid": ("already_paid", True),
    "reschedule": ("visit_reschedule", False),
    "reschedule_visit": ("visit_reschedule", False),
    "wrong_party": ("wrong_party", False),
    # A reply the notifier could not read (an acknowledgement, "收到", "ok", opens nothing): a
    # person reads it; collection goes on meanwhile.
    "other": ("reply_review", False),
}
#: Words that open a dispute: collection of the loan stops until it is resolved (no fixed days).
DISPUTES: Final[dict[str, DisputeCategory]] = {"dispute": "dispute", "complaint": "complaint"}
CaseInput = BorrowerReplied | ApplyCaseAction | ResolveDispute


def _terms(event: BorrowerReplied | ApplyCaseAction) -> tuple[str, Decimal | None, date | None]:
    if isinstance(event, BorrowerReplied):
        return event.intent, event.promised_amount, event.promised_by
    return event.action, event.promised_amount, event.promised_by


def on_case_input(
    loan: L.Loan, event: CaseInput, day: date, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]]:
    """The loan after the borrower's words, and the task they open (if any). A promise with its
    amount and date is tracked (kept or broken); one without them is only noted by the notifier.
    A request the notifier acts on alone (opt-out, stop calling) and an acknowledgement change
    nothing here; a reply not understood (``other``) opens a task to read it."""
    if isinstance(event, ResolveDispute):
        return resolve(loan, event)
    what, amount, by = _terms(event)
    if isinstance(event, ApplyCaseAction) and event.action in AGREED:
        return agreed(loan, event), ()
    if what == "promise_to_pay" and amount and by:
        promise = L.Promise(amount=amount, by=by, paid_before=loan.paid_total)
        return loan.model_copy(update={"promise": promise}), ()
    if what not in TASKS:
        return loan, ()
    if what in ("reschedule", "reschedule_visit"):
        moved = _moved(loan, event, day, ctx)
        if moved is not None:
            return moved
    kind, holds = TASKS[what]
    task = open_task(loan, L.LoanView.of(loan, day, ctx.calendar), kind, ctx, key=event.event_id)
    if what in DISPUTES:
        return open_dispute(loan, event, DISPUTES[what], day, task)
    if not holds:
        return loan, (task,)
    hold = day + timedelta(days=HOLD_DAYS)
    if isinstance(event, ApplyCaseAction) and event.requested_until is not None:
        hold = max(hold, event.requested_until)
    return loan.model_copy(update={"hold_until": hold}), (task,)


def agreed(loan: L.Loan, event: ApplyCaseAction) -> L.Loan:
    """An extension or plan agreed with the borrower: escalation holds until the agreed day (an
    earlier hold is never shortened), and nothing opens for an agent (the agent agreed it)."""
    until = event.requested_until
    if until is None:  # never: the command's validator requires the day for an agreement
        return loan
    hold = until if loan.hold_until is None else max(loan.hold_until, until)
    return loan.model_copy(update={"hold_until": hold})


def open_dispute(
    loan: L.Loan,
    event: BorrowerReplied | ApplyCaseAction,
    category: DisputeCategory,
    day: date,
    task: Event,
) -> tuple[L.Loan, tuple[Event, ...]]:
    """A dispute (or complaint) held open on the loan, announced to the notifier and the desk;
    its id derives from the loan and what opened it, so a replay opens the same one."""
    dispute_id = derived_event_id(loan.loan_id, "dispute", event.event_id)
    if any(d.dispute_id == dispute_id for d in loan.disputes):
        return loan, ()
    origin, actor = ("reply", None)
    if isinstance(event, ApplyCaseAction):
        origin, actor = event.origin, event.actor
    opened = DisputeOpened(
        event_id=dispute_id,
        occurred_at=stamp(day),
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        category=category,
        origin=origin,
        origin_id=event.event_id,
        opened_on=day,
        actor=actor,
    )
    held = L.OpenDispute(dispute_id=dispute_id, category=category, opened_on=day)
    return loan.model_copy(update={"disputes": (*loan.disputes, held)}), (opened, task)


def resolve(loan: L.Loan, event: ResolveDispute) -> tuple[L.Loan, tuple[Event, ...]]:
    """The dispute's hold released, and the resolution announced (once: a dispute no longer
    open, or never opened here, changes nothing)."""
    found = next((d for d in loan.disputes if d.dispute_id == event.dispute_id), None)
    if found is None:
        return loan, ()
    resolved = DisputeResolved(
        event_id=derived_event_id(event.dispute_id, "resolved"),
        occurred_at=event.occurred_at,
        loan_id=loan.loan_id,
        debtor_id=loan.borrower,
        dispute_id=event.dispute_id,
        category=found.category,
        resolution=event.resolution,
        resolved_by=event.resolved_by,
    )
    kept = tuple(d for d in loan.disputes if d is not found)
    return loan.model_copy(update={"disputes": kept}), (resolved,)


def _moved(
    loan: L.Loan, event: BorrowerReplied | ApplyCaseAction, day: date, ctx: Context
) -> tuple[L.Loan, tuple[Event, ...]] | None:
    """The loan's visit on a new slot (to the day an agent or a call named), with a new notice;
    None when there is no visit to move (an agent's task then)."""
    if isinstance(event, BorrowerReplied):
        # The notifier reads a day out of every reply: for a reschedule, the day named.
        return reschedule(loan, day, ctx, wanted=event.promised_by, origin="reply")
    origin = "call" if event.origin == "call" else "agent"
    return reschedule(loan, day, ctx, wanted=event.visit_on, origin=origin)
