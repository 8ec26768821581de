"""Pure scheduler rules: which contact step an overdue instalment calls for, and only once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from shared.events import ContactRequested, InstalmentFellOverdue, derived_event_id
from shared.redaction import mask_account


@dataclass(frozen=True)
class ContactPolicy:
    """The skeleton strategy: one notice per overdue instalment, by email."""

    template_id: str
    pay_within_days: int


@dataclass(frozen=True)
class LoanContactState:
    """What the scheduler remembers of one loan: its episode and the steps already fired."""

    episode: int = 1
    fired: frozenset[str] = field(default_factory=frozenset)

    def to_json(self) -> dict[str, object]:
        return {"episode": self.episode, "fired": sorted(self.fired)}

    @classmethod
    def from_json(cls, data: object) -> LoanContactState:
        if not isinstance(data, dict):
            return cls()
        return cls(episode=int(data.get("episode", 1)), fired=frozenset(data.get("fired", [])))


def notice_for(
    event: InstalmentFellOverdue, state: LoanContactState, policy: ContactPolicy
) -> tuple[ContactRequested | None, LoanContactState]:
    """The contact request an overdue instalment calls for, if its step has not fired yet.

    The request's id and time derive from the loan, episode and step, so a replay or restart
    produces the very same event and the notifier's ledger sends it once.

    :param event: the overdue instalment.
    :param state: the loan's contact state.
    :param policy: the strategy in force.
    :returns: the request (or None) and the loan's new state.
    """
    step = f"overdue-notice-{event.instalment_number}"
    if step in state.fired:
        return None, state
    request = ContactRequested(
        event_id=derived_event_id(event.loan_id, str(state.episode), step),
        occurred_at=event.occurred_at,
        loan_id=event.loan_id,
        debtor_id=event.debtor_id,
        episode=state.episode,
        step=step,
        template_id=policy.template_id,
        channels=("email",),
        account_masked=mask_account(event.account_number),
        amount_due=event.amount_due,
        currency=event.currency,
        due_date=event.due_date,
        days_past_due=event.days_past_due,
        pay_by=event.occurred_at.date() + timedelta(days=policy.pay_within_days),
    )
    return request, LoanContactState(state.episode, state.fired | {step})
