"""The desk's ports: its stores, its clock, the identity provider's sign-in (its keys:
shared.identity) and the notifier's pre-call gate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from services.desk.domain.calls import CallAsk, CallReport, GateAnswer
from services.desk.domain.disputes import Dispute, DisputeStatus
from services.desk.domain.model import (
    AgentAction,
    Case,
    Changes,
    Contact,
    Promise,
    Task,
    TeamLoad,
)
from services.desk.domain.review import ReviewItem
from services.desk.domain.visits import Visit
from shared.events import ReviewQueue

#: The current time, aware (UTC).
Clock = Callable[[], datetime]


class DeskStore(Protocol):
    """Tasks, cases, contacts and promises (SQLite, PostgreSQL, memory)."""

    async def ping(self) -> bool:
        """Whether the store answers (readiness)."""
        ...

    async def commit(self, changes: Changes) -> None:
        """Write ``changes`` in one transaction, or nothing:
        :class:`~services.desk.domain.model.StaleWrite` when a case or task is no longer at the
        version it was read at (or exists already, for version 0). Contacts already stored
        (by event id) are skipped."""
        ...

    async def case(self, loan_id: str) -> Case | None: ...

    async def cases_of_debtor(self, debtor_id: str) -> list[Case]: ...

    async def task(self, task_id: str) -> Task | None: ...

    async def tasks_of_loan(self, loan_id: str) -> list[Task]: ...

    async def queue(self, team: str, limit: int) -> list[Task]:
        """The team's live tasks, the earliest due first."""
        ...

    async def assigned(self, assignee: str, limit: int) -> list[Task]:
        """The live tasks held by one person, the earliest due first."""
        ...

    async def contacts(self, debtor_id: str, loan_id: str, limit: int) -> list[Contact]:
        """The loan's contacts and the debtor's contacts about no loan, the newest first."""
        ...

    async def promise(self, loan_id: str, promised_by: date) -> Promise | None: ...

    async def promises(self, loan_id: str) -> list[Promise]: ...

    async def action(self, action_id: str) -> AgentAction | None: ...

    async def actions(self, loan_id: str) -> list[AgentAction]:
        """The loan's agents' actions, the oldest first."""
        ...

    async def loads(self, now: datetime) -> Sequence[TeamLoad]:
        """Live and overdue tasks per team (for the gauges)."""
        ...

    async def contacts_between(self, start: datetime, end: datetime, limit: int) -> list[Contact]:
        """Every contact from ``start`` (included) to ``end`` (excluded), the oldest first."""
        ...

    async def actions_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[AgentAction]:
        """Every agent's action from ``start`` (included) to ``end`` (excluded), the oldest
        first."""
        ...

    async def save_dispute(self, dispute: Dispute) -> None:
        """Write a register entry at the version it was read (0: new);
        :class:`~services.desk.domain.model.StaleWrite` when it moved (or exists, for 0)."""
        ...

    async def dispute(self, dispute_id: str) -> Dispute | None: ...

    async def disputes(self, status: DisputeStatus | None, limit: int) -> list[Dispute]:
        """The register (of one status, or all), the earliest answer due first."""
        ...

    async def disputes_of_loan(self, loan_id: str) -> list[Dispute]:
        """The loan's disputes, the oldest first."""
        ...


class ReviewStore(Protocol):
    """The review queues' items (SQLite, PostgreSQL, memory)."""

    async def review(self, item_id: str) -> ReviewItem | None: ...

    async def keep_review(self, item: ReviewItem) -> None:
        """Write ``item`` at the version it was read at (0: new):
        :class:`~services.desk.domain.model.StaleWrite` when it moved (or exists, for 0)."""
        ...

    async def reviews(self, queue: ReviewQueue, limit: int) -> list[ReviewItem]:
        """The queue's open items, the oldest first."""
        ...

    async def review_counts(self) -> dict[ReviewQueue, int]:
        """Open items per queue (for the gauges)."""
        ...


class CodeExchange(Protocol):
    """The identity provider's token endpoint (OIDC authorization-code flow, with PKCE)."""

    async def id_token(self, code: str, redirect_uri: str, verifier: str) -> str:
        """The ID token the provider gives for ``code``.

        :raises InvalidCredentials: the provider refused the code.
        :raises RetryableError: the provider did not answer.
        """
        ...


class CallGate(Protocol):
    """The notifier's pre-call gate."""

    async def ask(self, ask: CallAsk) -> GateAnswer:
        """May the agent dial now? :raises GateUnavailable: no answer; :raises GateRefused:
        the gate refused the request itself."""
        ...

    async def report(self, call_id: str, report: CallReport) -> bool:
        """Report how the allowed call went; whether it was new (not a repeat)."""
        ...


class EvidenceLog(Protocol):
    """The audit service's evidence log, read under a person's case grant."""

    async def timeline(self, loan_id: str, grant: str) -> list[dict[str, Any]]:
        """The loan's entries, decrypted, the read logged there under the grant's person.

        :raises EvidenceUnavailable: the audit service did not answer, or refused the grant.
        """
        ...


class VisitStore(Protocol):
    """Field visits (SQLite, PostgreSQL, memory)."""

    async def visit(self, visit_id: str) -> Visit | None: ...

    async def visit_for_notice(self, notice_id: str) -> Visit | None:
        """The visit whose notice is the contact request ``notice_id``."""
        ...

    async def visits_of_loan(self, loan_id: str) -> list[Visit]:
        """Every slot proposed for the loan, by episode and sequence."""
        ...

    async def keep_visit(self, visit: Visit) -> None:
        """Write ``visit`` at the version it was read at (0: new):
        :class:`~services.desk.domain.model.StaleWrite` when it moved (or exists, for 0)."""
        ...
