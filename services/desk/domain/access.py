"""Who may see and do what: an agent works their own team's tasks and cases, a supervisor all,
a compliance officer reads the reports (no case, no queue).

Pure rules over the person (from their credentials) and what they ask about; a refusal is
:class:`NotAllowed` with a reason that names no customer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from services.desk.domain.model import Task
from shared.errors import ServiceError

#: agent and supervisor work tasks and cases; a compliance officer decides escalated sends.
Role = Literal["agent", "supervisor", "compliance"]


class NotAllowed(ServiceError):
    """The person may not see or do this (HTTP 403)."""


@dataclass(frozen=True)
class Person:
    """Someone signed in: their own id (every action carries it), role and team."""

    id: str
    role: Role
    team: str | None = None

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


def check_reports(person: Person) -> None:
    """The compliance reports: compliance officers and supervisors."""
    if person.role not in ("compliance", "supervisor"):
        raise NotAllowed("the reports are for compliance officers and supervisors")


def check_queue(person: Person, team: str) -> None:
    if not person.supervisor and person.team != team:
        raise NotAllowed("an agent sees only their own team's queue")


def check_task(person: Person, task: Task) -> None:
    if not person.supervisor and person.team != task.team:
        raise NotAllowed("the task belongs to another team")


def check_case(person: Person, tasks: Iterable[Task]) -> None:
    """An agent sees a case when one of its tasks, live or past, is their team's."""
    if person.supervisor:
        return
    if not any(t.team == person.team for t in tasks):
        raise NotAllowed("the case belongs to another team")


def check_assignment(person: Person, task: Task, team: str | None, assignee: str | None) -> None:
    """A supervisor moves any task anywhere; an agent takes their team's task for themselves
    or gives it back to the queue."""
    check_task(person, task)
    if person.supervisor:
        return
    if team not in (None, task.team):
        raise NotAllowed("only a supervisor moves a task to another team")
    if assignee not in (None, person.id):
        raise NotAllowed("only a supervisor assigns a task to someone else")
