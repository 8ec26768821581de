"""The desk store on SQLAlchemy Core (:class:`~services.desk.ports.DeskStore`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from services.desk.adapters.sql.access import select_rows, transaction, versioned
from services.desk.adapters.sql.disputes import SqlDisputes
from services.desk.adapters.sql.schema import actions, cases, contacts, promises, tasks
from services.desk.domain.model import (
    LIVE,
    AgentAction,
    Case,
    Changes,
    Contact,
    Promise,
    Task,
    TeamLoad,
)
from shared.database import migrate, ping

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _body(model: Case | Task) -> str:
    return model.model_dump_json(exclude={"version"})


class SqlDeskStore(SqlDisputes):
    """Cases, tasks, contacts and promises in SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    async def migrate(self) -> None:
        await migrate(self._engine, MIGRATIONS)

    async def ping(self) -> bool:
        return await ping(self._engine)

    async def close(self) -> None:
        await self._engine.dispose()

    async def commit(self, changes: Changes) -> None:
        async with transaction(self._engine) as conn:
            for case in changes.cases:
                row: dict[str, Any] = {"debtor_id": case.debtor_id, "body": _body(case)}
                await versioned(conn, cases, "loan_id", case.loan_id, case.version, row)
            for task in changes.tasks:
                values: dict[str, Any] = {
                    "loan_id": task.loan_id,
                    "team": task.team,
                    "assignee": task.assignee,
                    "status": task.status,
                    "due_at": _utc(task.due_at),
                    "body": _body(task),
                }
                await versioned(conn, tasks, "task_id", task.task_id, task.version, values)
            if changes.contacts:
                await conn.execute(self._new_contacts(changes.contacts))
            for promise in changes.promises:
                await conn.execute(self._promise_upsert(promise))
            if changes.actions:
                await conn.execute(self._new_actions(changes.actions))

    def _new_actions(self, new: tuple[AgentAction, ...]) -> Any:
        rows = [
            {
                "action_id": a.action_id,
                "loan_id": a.loan_id,
                "at": _utc(a.at),
                "body": a.model_dump_json(),
            }
            for a in new
        ]
        return self._dialect.insert(actions).values(rows).on_conflict_do_nothing()

    def _new_contacts(self, new: tuple[Contact, ...]) -> Any:
        rows = [
            {
                "event_id": c.event_id,
                "debtor_id": c.debtor_id,
                "loan_id": c.loan_id,
                "at": _utc(c.at),
                "body": c.model_dump_json(),
            }
            for c in new
        ]
        return self._dialect.insert(contacts).values(rows).on_conflict_do_nothing()

    def _promise_upsert(self, promise: Promise) -> Any:
        body = promise.model_dump_json()
        stmt = self._dialect.insert(promises).values(
            loan_id=promise.loan_id, promised_by=promise.promised_by, body=body
        )
        return stmt.on_conflict_do_update(
            index_elements=[promises.c.loan_id, promises.c.promised_by], set_={"body": body}
        )

    async def _rows(self, stmt: Any) -> list[Any]:
        return await select_rows(self._engine, stmt)

    async def case(self, loan_id: str) -> Case | None:
        rows = await self._rows(select(cases).where(cases.c.loan_id == loan_id))
        return _case(rows[0]) if rows else None

    async def cases_of_debtor(self, debtor_id: str) -> list[Case]:
        stmt = select(cases).where(cases.c.debtor_id == debtor_id).order_by(cases.c.loan_id)
        return [_case(r) for r in await self._rows(stmt)]

    async def task(self, task_id: str) -> Task | None:
        rows = await self._rows(select(tasks).where(tasks.c.task_id == task_id))
        return _task(rows[0]) if rows else None

    async def tasks_of_loan(self, loan_id: str) -> list[Task]:
        stmt = (
            select(tasks)
            .where(tasks.c.loan_id == loan_id)
            .order_by(tasks.c.due_at, tasks.c.task_id)
        )
        return [_task(r) for r in await self._rows(stmt)]

    async def queue(self, team: str, limit: int) -> list[Task]:
        stmt = (
            select(tasks)
            .where(tasks.c.team == team, tasks.c.status.in_(LIVE))
            .order_by(tasks.c.due_at, tasks.c.task_id)
            .limit(limit)
        )
        return [_task(r) for r in await self._rows(stmt)]

    async def assigned(self, assignee: str, limit: int) -> list[Task]:
        stmt = (
            select(tasks)
            .where(tasks.c.assignee == assignee, tasks.c.status.in_(LIVE))
            .order_by(tasks.c.due_at, tasks.c.task_id)
            .limit(limit)
        )
        return [_task(r) for r in await self._rows(stmt)]

    async def contacts(self, debtor_id: str, loan_id: str, limit: int) -> list[Contact]:
        stmt = (
            select(contacts.c.body)
            .where(
                contacts.c.debtor_id == debtor_id,
                or_(contacts.c.loan_id == loan_id, contacts.c.loan_id.is_(None)),
            )
            .order_by(contacts.c.at.desc(), contacts.c.event_id.desc())
            .limit(limit)
        )
        return [Contact.model_validate_json(r.body) for r in await self._rows(stmt)]

    async def promise(self, loan_id: str, promised_by: date) -> Promise | None:
        stmt = select(promises.c.body).where(
            promises.c.loan_id == loan_id, promises.c.promised_by == promised_by
        )
        rows = await self._rows(stmt)
        return Promise.model_validate_json(rows[0].body) if rows else None

    async def promises(self, loan_id: str) -> list[Promise]:
        stmt = (
            select(promises.c.body)
            .where(promises.c.loan_id == loan_id)
            .order_by(promises.c.promised_by)
        )
        return [Promise.model_validate_json(r.body) for r in await self._rows(stmt)]

    async def action(self, action_id: str) -> AgentAction | None:
        stmt = select(actions.c.body).where(actions.c.action_id == action_id)
        rows = await self._rows(stmt)
        return AgentAction.model_validate_json(rows[0].body) if rows else None

    async def actions(self, loan_id: str) -> list[AgentAction]:
        stmt = (
            select(actions.c.body)
            .where(actions.c.loan_id == loan_id)
            .order_by(actions.c.at, actions.c.action_id)
        )
        return [AgentAction.model_validate_json(r.body) for r in await self._rows(stmt)]

    async def loads(self, now: datetime) -> list[TeamLoad]:
        late = func.sum(when((tasks.c.due_at <= _utc(now), 1), else_=0))
        stmt = (
            select(tasks.c.team, func.count(), late)
            .where(tasks.c.status.in_(LIVE))
            .group_by(tasks.c.team)
            .order_by(tasks.c.team)
        )
        return [TeamLoad(r[0], int(r[1]), int(r[2] or 0)) for r in await self._rows(stmt)]

    async def contacts_between(self, start: datetime, end: datetime, limit: int) -> list[Contact]:
        stmt = (
            select(contacts.c.body)
            .where(contacts.c.at >= _utc(start), contacts.c.at < _utc(end))
            .order_by(contacts.c.at, contacts.c.event_id)
            .limit(limit)
        )
        return [Contact.model_validate_json(r.body) for r in await self._rows(stmt)]

    async def actions_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[AgentAction]:
        stmt = (
            select(actions.c.body)
            .where(actions.c.at >= _utc(start), actions.c.at < _utc(end))
            .order_by(actions.c.at, actions.c.action_id)
            .limit(limit)
        )
        return [AgentAction.model_validate_json(r.body) for r in await self._rows(stmt)]


def _case(row: Any) -> Case:
    return Case.model_validate_json(row.body).model_copy(update={"version": int(row.version)})


def _task(row: Any) -> Task:
    return Task.model_validate_json(row.body).model_copy(update={"version": int(row.version)})
