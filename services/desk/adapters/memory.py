"""The desk store in memory: the same contract as the SQL store (tests, component suite)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from services.desk.adapters.memory_disputes import InMemoryDisputes
from services.desk.domain.disputes import Dispute
from services.desk.domain.model import (
    LIVE,
    AgentAction,
    Case,
    Changes,
    Contact,
    Promise,
    StaleWrite,
    Task,
    TeamLoad,
)


class InMemoryDeskStore(InMemoryDisputes):
    """:class:`~services.desk.ports.DeskStore` in dictionaries."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.tasks: dict[str, Task] = {}
        self.contact_rows: dict[str, Contact] = {}
        self.promise_rows: dict[tuple[str, date], Promise] = {}
        self.action_rows: dict[str, AgentAction] = {}
        self.dispute_rows: dict[str, Dispute] = {}

    async def ping(self) -> bool:
        return True

    async def commit(self, changes: Changes) -> None:
        for case in changes.cases:
            _check(self.cases.get(case.loan_id), case.version)
        for task in changes.tasks:
            _check(self.tasks.get(task.task_id), task.version)
        for case in changes.cases:
            self.cases[case.loan_id] = case.model_copy(update={"version": case.version + 1})
        for task in changes.tasks:
            self.tasks[task.task_id] = task.model_copy(update={"version": task.version + 1})
        for contact in changes.contacts:
            self.contact_rows.setdefault(contact.event_id, contact)
        for promise in changes.promises:
            self.promise_rows[(promise.loan_id, promise.promised_by)] = promise
        for action in changes.actions:
            self.action_rows.setdefault(action.action_id, action)

    async def case(self, loan_id: str) -> Case | None:
        return self.cases.get(loan_id)

    async def cases_of_debtor(self, debtor_id: str) -> list[Case]:
        return sorted(
            (c for c in self.cases.values() if c.debtor_id == debtor_id), key=lambda c: c.loan_id
        )

    async def task(self, task_id: str) -> Task | None:
        return self.tasks.get(task_id)

    async def tasks_of_loan(self, loan_id: str) -> list[Task]:
        return sorted(
            (t for t in self.tasks.values() if t.loan_id == loan_id),
            key=lambda t: (t.due_at, t.task_id),
        )

    async def queue(self, team: str, limit: int) -> list[Task]:
        live = [t for t in self.tasks.values() if t.team == team and t.status in LIVE]
        return sorted(live, key=lambda t: (t.due_at, t.task_id))[:limit]

    async def assigned(self, assignee: str, limit: int) -> list[Task]:
        held = [t for t in self.tasks.values() if t.assignee == assignee and t.status in LIVE]
        return sorted(held, key=lambda t: (t.due_at, t.task_id))[:limit]

    async def contacts(self, debtor_id: str, loan_id: str, limit: int) -> list[Contact]:
        found = [
            c
            for c in self.contact_rows.values()
            if c.debtor_id == debtor_id and c.loan_id in (loan_id, None)
        ]
        return sorted(found, key=lambda c: (c.at, c.event_id), reverse=True)[:limit]

    async def promise(self, loan_id: str, promised_by: date) -> Promise | None:
        return self.promise_rows.get((loan_id, promised_by))

    async def promises(self, loan_id: str) -> list[Promise]:
        return sorted(
            (p for (loan, _), p in self.promise_rows.items() if loan == loan_id),
            key=lambda p: p.promised_by,
        )

    async def action(self, action_id: str) -> AgentAction | None:
        return self.action_rows.get(action_id)

    async def actions(self, loan_id: str) -> list[AgentAction]:
        found = [a for a in self.action_rows.values() if a.loan_id == loan_id]
        return sorted(found, key=lambda a: (a.at, a.action_id))

    async def loads(self, now: datetime) -> list[TeamLoad]:
        live = [t for t in self.tasks.values() if t.status in LIVE]
        counts = Counter(t.team for t in live)
        late = Counter(t.team for t in live if t.due_at <= now)
        return [TeamLoad(team, counts[team], late[team]) for team in sorted(counts)]

    async def contacts_between(self, start: datetime, end: datetime, limit: int) -> list[Contact]:
        found = [c for c in self.contact_rows.values() if start <= c.at < end]
        return sorted(found, key=lambda c: (c.at, c.event_id))[:limit]

    async def actions_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[AgentAction]:
        found = [a for a in self.action_rows.values() if start <= a.at < end]
        return sorted(found, key=lambda a: (a.at, a.action_id))[:limit]


def _check(stored: Case | Task | None, version: int) -> None:
    if (stored.version if stored is not None else 0) != version:
        raise StaleWrite("changed since it was read")
