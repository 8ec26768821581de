"""How each event changes what the desk knows of a loan. Pure and order-proof.

The desk reads five topics with no order between them (two are keyed by loan, three by
debtor), and every record may come twice. So each rule is idempotent and monotonic: a range
change older than what the case shows changes nothing, a cure only ever raises the episode
known to have ended, a write-off or closure stays, a resolved promise is never reopened by a
late copy of the reply that made it.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from services.desk.domain.model import Case, Contact, Promise
from shared.events import (
    AgentTaskOpened,
    BorrowerReplied,
    CallTaskOpened,
    ContactRequested,
    ContactWithdrawn,
    DelinquencyRangeChanged,
    InteractionRecorded,
    PromiseToPayResolved,
)


def case_for(existing: Case | None, loan_id: str, debtor_id: str) -> Case:
    """The stored case, or a new empty one for the loan."""
    return existing if existing is not None else Case(loan_id=loan_id, debtor_id=debtor_id)


def _newer(case: Case, episode: int, as_of: date) -> bool:
    return (episode, as_of) >= (case.episode, case.as_of or date.min)


def with_range(case: Case, event: DelinquencyRangeChanged) -> Case:
    """A move between delinquency ranges; ``to_range`` None ends the episode (a cure)."""
    update: dict[str, object] = {}
    if event.to_range is None and event.episode > case.ended_episode:
        update |= {"ended_episode": event.episode, "ended_on": event.as_of}
    elif event.to_range is None and event.episode == case.ended_episode:
        update["ended_on"] = max(case.ended_on or event.as_of, event.as_of)
    if _newer(case, event.episode, event.as_of):
        update |= {
            "episode": event.episode,
            "range_id": event.to_range,
            "days_past_due": event.days_past_due,
            "as_of": event.as_of,
        }
    return case.model_copy(update=update) if update else case


def with_withdrawal(case: Case, event: ContactWithdrawn) -> Case:
    """The scheduler withdrew the loan's messages: a write-off or closure ends every task.

    A withdrawal for a cure is not taken as one: a settled courtesy reminder is withdrawn as
    ``cured`` with episode 1 outside any episode. The range change out of delinquency is what
    says an episode ended."""
    if event.reason in ("written_off", "closed"):
        return case.model_copy(update={"terminal": event.reason})
    return case


def with_request(case: Case, event: ContactRequested) -> Case:
    """An overdue notice tells what was overdue then, and the masked account."""
    day = event.occurred_at.date()
    if event.purpose != "overdue_notice" or day < (case.overdue_as_of or date.min):
        return case
    return case.model_copy(
        update={
            "overdue_amount": event.amount_due,
            "overdue_as_of": day,
            "currency": event.currency,
            "account_masked": event.account_masked,
        }
    )


def with_task(case: Case, event: AgentTaskOpened | CallTaskOpened) -> Case:
    """A task carries the itemised statement of its day, and proves its episode has begun."""
    update: dict[str, object] = {}
    if event.episode > case.episode:
        update["episode"] = event.episode
    statement = event.statement
    if statement is not None and (
        case.statement is None or statement.as_of >= case.statement.as_of
    ):
        update["statement"] = statement
    return case.model_copy(update=update) if update else case


def contact_of(event: InteractionRecorded) -> Contact:
    """The interaction as the case view lists it (no verification code, no content)."""
    return Contact(
        event_id=event.event_id,
        debtor_id=event.debtor_id,
        loan_id=event.loan_id,
        at=event.occurred_at,
        channel=event.channel,
        kind=event.kind,
        reason=event.reason,
        rules=event.rules,
        template=event.template,
        deferred_until=event.deferred_until,
        provider=event.provider,
        request_id=event.request_id,
    )


#: The replies the compliance reports count (opt-outs, disputes, complaints), kept as contacts.
REPORTED_INTENTS: Final = frozenset({"opt_out", "stop_calling", "dispute", "complaint"})


def reply_contact(event: BorrowerReplied) -> Contact | None:
    """A reply the reports count, as a ``reply_understood`` contact (its intent, never text)."""
    if event.intent not in REPORTED_INTENTS:
        return None
    return Contact(
        event_id=event.event_id,
        debtor_id=event.debtor_id,
        loan_id=event.loan_id,
        at=event.occurred_at,
        channel=event.channel,
        kind="reply_understood",
        intent=event.intent,
    )


def promise_made(existing: Promise | None, event: BorrowerReplied) -> Promise | None:
    """A reply that promises an amount by a date, for a known loan; what is stored stays."""
    if existing is not None or event.intent != "promise_to_pay" or event.loan_id is None:
        return None
    if event.promised_amount is None or event.promised_by is None:
        return None
    return Promise(
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        promised_by=event.promised_by,
        amount=event.promised_amount,
        made_at=event.occurred_at,
    )


def promise_resolved(existing: Promise | None, event: PromiseToPayResolved) -> Promise:
    """The scheduler judged the promise on its date: kept or broken."""
    return Promise(
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        promised_by=event.promised_by,
        amount=event.promised_amount,
        state=event.outcome,
        made_at=existing.made_at if existing is not None else None,
        resolved_at=event.occurred_at,
    )
