"""The desk's model: tasks, cases, contacts and promises, and the change set one use case writes.

Every value is frozen; a use case reads what it needs, applies the pure rules of
:mod:`~services.desk.domain.tasks` and :mod:`~services.desk.domain.cases`, and hands the
store one :class:`Changes` to write in one transaction. Rows carry a ``version``: a write whose
version moved meanwhile (another replica, an agent's action racing the consumer) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.dunwell_events import CaseAction
from shared.errors import RetryableError
from shared.eventbase import Identifier
from shared.events import DebtStatement, PlanInstalment

TaskStatus = Literal["open", "in_progress", "done", "closed"]
#: What the agent did about the task (a bounded set: it labels a metric).
Outcome = Literal[
    "contacted",
    "plan_agreed",
    "promise_recorded",
    "extension_agreed",
    "visited",
    "unreachable",
    "refused",
    "referred",
    "no_action_needed",
]
#: Why a task closed itself: it is no longer needed.
CloseReason = Literal["cured", "written_off", "closed", "rescheduled"]
Terminal = Literal["written_off", "closed"]
PromiseState = Literal["open", "kept", "broken"]
Note = Annotated[str, StringConstraints(max_length=500)]
TeamName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]

LIVE: tuple[TaskStatus, ...] = ("open", "in_progress")


class StaleWrite(RetryableError):
    """A row changed between reading and writing it: read again and retry (HTTP: 409)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Action(_Frozen):
    """One thing a person (or the desk itself) did to a task, kept on the task."""

    at: AwareDatetime
    by: Identifier
    what: Literal["opened", "assigned", "started", "done", "closed"]
    detail: Annotated[str, StringConstraints(max_length=200)] = ""


class Task(_Frozen):
    """An agent's task, opened by the scheduler's ``AgentTaskOpened`` (its event id is the id),
    or by its ``DebtorTaskOpened``: a debtor's words with no loan known to them (no loan id)."""

    task_id: Identifier
    loan_id: Identifier | None
    debtor_id: Identifier
    kind: str
    episode: int = Field(ge=1)
    team: TeamName
    assignee: Identifier | None = None
    status: TaskStatus = "open"
    opened_at: AwareDatetime
    #: The SLA: by when an agent must have dealt with it (bank's business calendar).
    due_at: AwareDatetime
    #: The day the scheduler asked for (the SLA never ends later than its close of business).
    due_by: date
    appointment: date | None = None
    place: Annotated[str, StringConstraints(max_length=300)] | None = None
    proposed_plan: tuple[PlanInstalment, ...] = ()
    #: A call step's task: what the call is about, the strategy's step, and the call that
    #: closed it (its outcome came from the pre-call gate's report).
    purpose: Identifier | None = None
    step: Identifier | None = None
    call_id: Identifier | None = None
    outcome: Outcome | None = None
    note: Note | None = None
    closed_reason: CloseReason | None = None
    finished_at: AwareDatetime | None = None
    actions: tuple[Action, ...] = ()
    version: int = 0

    @property
    def live(self) -> bool:
        return self.status in LIVE


class Case(_Frozen):
    """What the desk knows of one loan, as the events carry it (never more)."""

    loan_id: Identifier
    debtor_id: Identifier
    #: The latest episode of delinquency seen, its range and days past due as of ``as_of``.
    episode: int = Field(default=0, ge=0)
    range_id: Identifier | None = None
    days_past_due: int = Field(default=0, ge=0)
    as_of: date | None = None
    #: Every episode up to this one has ended (cured); 0: none known to have ended.
    ended_episode: int = Field(default=0, ge=0)
    #: The business day that episode ended on.
    ended_on: date | None = None
    terminal: Terminal | None = None
    #: The itemised statement of the latest task that carried one.
    statement: DebtStatement | None = None
    #: From the latest contact request: the amount overdue then, and the masked account.
    overdue_amount: Decimal | None = None
    overdue_as_of: date | None = None
    currency: str | None = None
    account_masked: str | None = None
    version: int = 0

    def episode_over(self, episode: int, opened_on: date | None = None) -> CloseReason | None:
        """Why a task of ``episode`` opened on ``opened_on`` is no longer needed, or None while
        it is. A task opened after its episode was cured (a borrower's request once the
        arrears were paid: the scheduler numbers it with the last episode) is a new need."""
        if self.terminal is not None:
            return self.terminal
        if episode < self.episode or episode < self.ended_episode:
            return "cured"
        if episode != self.ended_episode:
            return None
        after = opened_on is not None and self.ended_on is not None and opened_on > self.ended_on
        return None if after else "cured"


class Contact(_Frozen):
    """One interaction with the borrower (a decision, an attempt, a receipt, a reply)."""

    event_id: Identifier
    debtor_id: Identifier
    loan_id: Identifier | None
    at: AwareDatetime
    channel: str
    kind: str
    reason: str | None = None
    rules: tuple[str, ...] = ()
    template: str | None = None
    deferred_until: AwareDatetime | None = None
    #: The contact request it is about (a visit's notice is confirmed by its delivery).
    request_id: Identifier | None = None
    #: Who made it: the SMS provider, or for a call the bank's unit or agency that dialled.
    provider: str | None = None
    #: What a reply was understood as (``reply_understood`` contacts only).
    intent: str | None = None


class Promise(_Frozen):
    """A promise to pay: made in a reply, resolved by the scheduler on its date."""

    loan_id: Identifier
    debtor_id: Identifier
    promised_by: date
    amount: Decimal
    state: PromiseState = "open"
    made_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None


class AgentAction(_Frozen):
    """What an agent took down on a case (a promise, a plan asked for, a dispute, ...), sent
    to the scheduler as a command; ``action_id`` is the command's event id."""

    action_id: Identifier
    loan_id: Identifier
    debtor_id: Identifier
    action: CaseAction
    actor: Identifier
    at: AwareDatetime
    promised_amount: Decimal | None = None
    currency: str | None = None
    promised_by: date | None = None
    requested_until: date | None = None
    visit_on: date | None = None
    note: Note | None = None


@dataclass(frozen=True)
class Changes:
    """What one use case writes, in one transaction.

    ``cases`` and ``tasks`` are versioned writes (a row's version must still be what was read,
    or absent for version 0); ``contacts`` and ``actions`` are inserted once by id;
    ``promises`` are written as given (the rules decide which state wins).
    """

    cases: tuple[Case, ...] = ()
    tasks: tuple[Task, ...] = ()
    contacts: tuple[Contact, ...] = ()
    promises: tuple[Promise, ...] = ()
    #: Inserted once by action id.
    actions: tuple[AgentAction, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.cases or self.tasks or self.contacts or self.promises or self.actions)


@dataclass(frozen=True)
class TeamLoad:
    """One team's live tasks and how many of them are past their SLA."""

    team: str
    live: int
    overdue: int
