"""Desk test data: the scheduler's and the notifier's events about one loan, and a context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import yaml

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.review_memory import InMemoryReviewStore
from services.desk.adapters.visit_memory import InMemoryVisitStore
from services.desk.domain.access import Person
from services.desk.domain.disputes import answer_periods
from services.desk.domain.sla import SlaPolicy
from services.desk.handlers.context import DeskContext
from services.desk.ports import DeskStore, ReviewStore, VisitStore
from services.desk.settings import PACKS_DIR
from shared.calendars import load_calendar
from shared.calendars.loader import CALENDARS_DIR
from shared.events import (
    AgentTaskOpened,
    BorrowerReplied,
    CallReported,
    CallTaskOpened,
    ContactRequested,
    ContactWithdrawn,
    DebtorTaskOpened,
    DebtStatement,
    DelinquencyRangeChanged,
    DisputeOpened,
    InteractionRecorded,
    PromiseToPayResolved,
    derived_event_id,
)
from shared.testing.factories import random_ref
from shared.testing.memory import InMemoryEventPublisher

CN = load_calendar(CALENDARS_DIR / "cn.yaml")
#: The cn pack's answer periods for disputes and complaints.
CN_ANSWERS = answer_periods(yaml.safe_load((PACKS_DIR / "cn.yaml").read_text("utf-8")))
#: Wednesday 4 March 2026, 10:00 in Shanghai.
OPENED = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
AGENT = Person(id="agent-7", role="agent", team="collections")
OTHER_AGENT = Person(id="agent-9", role="agent", team="collections")
FIELD_AGENT = Person(id="agent-3", role="agent", team="field")
SUPERVISOR = Person(id="sup-1", role="supervisor")
COMPLIANCE = Person(id="co-1", role="compliance")


def statement(as_of: date = date(2026, 3, 4), total: str = "1500.00") -> DebtStatement:
    return DebtStatement(
        as_of=as_of,
        currency="CNY",
        principal=Decimal("1200.00"),
        interest=Decimal("200.00"),
        fees=Decimal("50.00"),
        penalties=Decimal("50.00"),
        paid=Decimal("0"),
        total_outstanding=Decimal(total),
        days_past_due=12,
    )


@dataclass(frozen=True)
class Loan:
    """One loan's events, with fresh ids."""

    loan_id: str = field(default_factory=lambda: random_ref("loan"))
    debtor_id: str = field(default_factory=lambda: random_ref("debtor"))

    def task(self, kind: str = "extension_request", **overrides: Any) -> AgentTaskOpened:
        fields: dict[str, Any] = {
            "event_id": derived_event_id(self.loan_id, kind, str(overrides.get("episode", 1))),
            "occurred_at": OPENED,
            "loan_id": self.loan_id,
            "debtor_id": self.debtor_id,
            "kind": kind,
            "episode": 1,
            "due_by": date(2026, 3, 6),
            "statement": statement(),
        }
        return AgentTaskOpened.model_validate(fields | overrides)

    def call_task(self, step: str = "early-call", **overrides: Any) -> CallTaskOpened:
        """The scheduler's call step for this loan (a dialler's reminder call by default)."""
        fields: dict[str, Any] = {
            "event_id": derived_event_id(self.loan_id, "1", step),
            "occurred_at": OPENED,
            "loan_id": self.loan_id,
            "debtor_id": self.debtor_id,
            "episode": 1,
            "step": step,
            "purpose": "reminder",
            "queue": "dialler",
            "due_by": date(2026, 3, 5),
            "statement": statement(),
        }
        return CallTaskOpened.model_validate(fields | overrides)

    def call_reported(
        self, task_id: str, status: str = "connected", *dispositions: str, **overrides: Any
    ) -> CallReported:
        """The notifier's report of a call made for ``task_id``."""
        fields: dict[str, Any] = {
            "event_id": derived_event_id("call", task_id, status, "reported"),
            "occurred_at": OPENED + timedelta(hours=1),
            "debtor_id": self.debtor_id,
            "loan_id": self.loan_id,
            "task_id": task_id,
            "call_id": derived_event_id("call", task_id),
            "status": status,
            "agent_id": "agent-7",
            "started_at": OPENED + timedelta(minutes=50),
            "dispositions": dispositions,
        }
        return CallReported.model_validate(fields | overrides)

    def dispute(self, category: str = "dispute", day: int = 4) -> DisputeOpened:
        """The scheduler's announcement of a dispute (or complaint) on this loan."""
        return DisputeOpened.model_validate(
            {
                "event_id": derived_event_id(self.loan_id, "dispute", category, str(day)),
                "occurred_at": datetime(2026, 3, day, 0, 0, tzinfo=UTC),
                "loan_id": self.loan_id,
                "debtor_id": self.debtor_id,
                "category": category,
                "origin": "reply",
                "origin_id": random_ref("reply"),
                "opened_on": date(2026, 3, day),
            }
        )

    def debtor_task(self, intent: str = "dispute") -> DebtorTaskOpened:
        """The scheduler's task for this debtor's reply where no loan is known to them."""
        return DebtorTaskOpened(
            event_id=derived_event_id(self.debtor_id, "reply_review", intent),
            occurred_at=OPENED,
            debtor_id=self.debtor_id,
            source_id=random_ref("reply"),
            channel="sms",
            intent=intent,
            due_by=date(2026, 3, 6),
        )

    def range(self, to: str | None, *, episode: int = 1, day: int = 5) -> DelinquencyRangeChanged:
        as_of = date(2026, 3, day)
        return DelinquencyRangeChanged(
            event_id=derived_event_id(self.loan_id, str(episode), "range", str(to)),
            occurred_at=datetime.combine(as_of, datetime.min.time(), UTC) + timedelta(hours=10),
            loan_id=self.loan_id,
            debtor_id=self.debtor_id,
            episode=episode,
            from_range="r1" if to is None else None,
            to_range=to,
            days_past_due=0 if to is None else 12,
            as_of=as_of,
        )

    def withdrawn(self, reason: str, episode: int = 1) -> ContactWithdrawn:
        return ContactWithdrawn.model_validate(
            {
                "event_id": random_ref("wd"),
                "occurred_at": OPENED + timedelta(days=2),
                "loan_id": self.loan_id,
                "debtor_id": self.debtor_id,
                "episode": episode,
                "reason": reason,
            }
        )

    def request(self, amount: str = "300.00", day: int = 4) -> ContactRequested:
        return ContactRequested.model_validate(
            {
                "event_id": random_ref("req"),
                "occurred_at": datetime(2026, 3, day, 2, 0, tzinfo=UTC),
                "loan_id": self.loan_id,
                "debtor_id": self.debtor_id,
                "episode": 1,
                "step": "notice-1",
                "template_id": "overdue-notice-v1",
                "channels": ("sms",),
                "account_masked": "****5678",
                "amount_due": Decimal(amount),
                "currency": "CNY",
                "due_date": date(2026, 2, 20),
                "days_past_due": 12,
                "pay_by": date(2026, 3, 11),
            }
        )

    def interaction(self, kind: str = "message_sent", **overrides: Any) -> InteractionRecorded:
        fields: dict[str, Any] = {
            "event_id": random_ref("int"),
            "occurred_at": OPENED,
            "debtor_id": self.debtor_id,
            "loan_id": self.loan_id,
            "channel": "sms",
            "kind": kind,
        }
        return InteractionRecorded.model_validate(fields | overrides)

    def promise(self, amount: str = "500.00", by: date = date(2026, 3, 10)) -> BorrowerReplied:
        return BorrowerReplied(
            event_id=random_ref("reply"),
            occurred_at=OPENED,
            debtor_id=self.debtor_id,
            loan_id=self.loan_id,
            channel="sms",
            intent="promise_to_pay",
            promised_amount=Decimal(amount),
            promised_by=by,
        )

    def reply(self, intent: str, at: datetime = OPENED) -> BorrowerReplied:
        return BorrowerReplied.model_validate(
            {
                "event_id": random_ref("reply"),
                "occurred_at": at,
                "debtor_id": self.debtor_id,
                "loan_id": self.loan_id,
                "channel": "sms",
                "intent": intent,
            }
        )

    def resolved(
        self, outcome: str, amount: str = "500.00", by: date = date(2026, 3, 10)
    ) -> PromiseToPayResolved:
        return PromiseToPayResolved.model_validate(
            {
                "event_id": derived_event_id(self.loan_id, "promise", by.isoformat()),
                "occurred_at": datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
                "loan_id": self.loan_id,
                "debtor_id": self.debtor_id,
                "promised_amount": Decimal(amount),
                "promised_by": by,
                "outcome": outcome,
            }
        )


def context(
    store: DeskStore | None = None,
    now: datetime = OPENED,
    publisher: InMemoryEventPublisher | None = None,
    reviews: ReviewStore | None = None,
    visits: VisitStore | None = None,
) -> DeskContext:
    """The desk's use-case context over ``store`` (memory by default), clock fixed at ``now``."""
    return DeskContext(
        store=store if store is not None else InMemoryDeskStore(),
        clock=lambda: now,
        calendar=CN,
        policy=SlaPolicy(),
        team_by_kind={"field_visit": "field"},
        default_team="collections",
        teams=("collections", "field", "dialler"),
        publisher=publisher if publisher is not None else InMemoryEventPublisher(),
        case_actions_topic="dunwell.case-actions.v1",
        reviews=reviews if reviews is not None else InMemoryReviewStore(),
        review_decisions_topic="dunwell.review-decisions.v1",
        review_team="collections",
        answer_periods=CN_ANSWERS,
        visits=visits if visits is not None else InMemoryVisitStore(),
        tasks_topic="dunwell.tasks.v1",
    )
