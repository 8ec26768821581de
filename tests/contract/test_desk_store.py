"""One contract for the desk's store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.sql.store import MIGRATIONS, SqlDeskStore
from services.desk.domain import cases
from services.desk.domain.commands import ActionRequest, take_down
from services.desk.domain.model import Changes, StaleWrite, Task, TeamLoad
from services.desk.domain.sla import SlaPolicy
from services.desk.domain.tasks import assign, open_debtor_task, open_task, start
from services.desk.ports import DeskStore
from shared.database import create_engine
from tests.support.desk import CN, OPENED, Loan
from tests.support.stores import KINDS, desk_engine


@pytest.fixture(params=KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DeskStore]:
    async with desk_engine(request, tmp_path) as engine:
        if engine is None:
            yield InMemoryDeskStore()
            return
        sql = SqlDeskStore(engine)
        await sql.migrate()  # migrating twice is harmless
        yield sql


def task(loan: Loan, kind: str = "extension_request", **overrides: object) -> Task:
    return open_task(
        loan.task(kind, **overrides),
        teams={"field_visit": "field"},
        default_team="collections",
        policy=SlaPolicy(),
        calendar=CN,
        case=None,
    )


async def test_a_task_round_trips_and_versions(store: DeskStore) -> None:
    loan = Loan()
    new = task(loan, "field_visit", appointment=date(2026, 3, 9), place="Branch 3")
    await store.commit(Changes(tasks=(new,)))
    stored = await store.task(new.task_id)
    assert stored == new.model_copy(update={"version": 1})
    with pytest.raises(StaleWrite):
        await store.commit(Changes(tasks=(new,)))  # version 0: must not exist yet
    moved = start(stored, by="agent-3", at=OPENED)
    await store.commit(Changes(tasks=(moved,)))
    with pytest.raises(StaleWrite):
        await store.commit(Changes(tasks=(moved,)))  # read at version 1, now 2
    again = await store.task(new.task_id)
    assert again is not None
    assert (again.status, again.assignee, again.version) == ("in_progress", "agent-3", 2)
    assert await store.task("missing") is None


async def test_a_debtor_task_with_no_loan_round_trips_into_its_queue(store: DeskStore) -> None:
    loan = Loan()
    new = open_debtor_task(
        loan.debtor_task(), teams={}, default_team="collections", policy=SlaPolicy(), calendar=CN
    )
    await store.commit(Changes(tasks=(new,)))
    assert await store.task(new.task_id) == new.model_copy(update={"version": 1})
    assert [t.task_id for t in await store.queue("collections", 10)] == [new.task_id]
    assert await store.tasks_of_loan(loan.loan_id) == []


async def test_a_refused_write_writes_nothing(store: DeskStore) -> None:
    loan = Loan()
    first = task(loan)
    await store.commit(Changes(tasks=(first,)))
    case = cases.case_for(None, loan.loan_id, loan.debtor_id)
    with pytest.raises(StaleWrite):
        await store.commit(Changes(cases=(case,), tasks=(first,)))
    assert await store.case(loan.loan_id) is None


async def test_the_queue_is_the_teams_live_tasks_earliest_due_first(store: DeskStore) -> None:
    loan = Loan()
    late = task(loan, "extension_request")
    soon = task(loan, "dispute")
    visit = task(loan, "field_visit")
    done = task(loan, "promise_broken").model_copy(update={"status": "done"})
    await store.commit(Changes(tasks=(late, soon, visit, done)))
    assert soon.due_at < late.due_at
    assert [t.task_id for t in await store.queue("collections", 10)] == [
        soon.task_id,
        late.task_id,
    ]
    assert [t.task_id for t in await store.queue("collections", 1)] == [soon.task_id]
    assert [t.task_id for t in await store.queue("field", 10)] == [visit.task_id]
    assert len(await store.tasks_of_loan(loan.loan_id)) == 4
    loads = await store.loads(soon.due_at)
    assert list(loads) == [TeamLoad("collections", 2, 1), TeamLoad("field", 1, 0)]


async def test_my_tasks_are_the_live_ones_i_hold(store: DeskStore) -> None:
    loan = Loan()
    mine = start(task(loan, "dispute"), by="agent-7", at=OPENED)
    later = start(task(loan, "extension_request"), by="agent-7", at=OPENED)
    theirs = start(task(loan, "instalment_request"), by="agent-9", at=OPENED)
    done = start(task(loan, "promise_broken"), by="agent-7", at=OPENED).model_copy(
        update={"status": "done"}
    )
    await store.commit(Changes(tasks=(later, theirs, done, mine)))
    assert [t.task_id for t in await store.assigned("agent-7", 10)] == [
        mine.task_id,
        later.task_id,
    ]
    assert [t.task_id for t in await store.assigned("agent-7", 1)] == [mine.task_id]
    stored = await store.task(mine.task_id)
    assert stored is not None
    back = assign(stored, by="agent-7", at=OPENED, assignee=None)
    await store.commit(Changes(tasks=(back,)))
    assert [t.task_id for t in await store.assigned("agent-7", 10)] == [later.task_id]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_revision_0003_fills_in_who_holds_the_tasks_already_stored(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = (
        f"sqlite+aiosqlite:///{tmp_path}/old.db"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_database")
    )
    engine = create_engine(url)
    held = start(task(Loan()), by="agent-7", at=OPENED)

    def at_0002(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            text(
                "INSERT INTO desk_tasks (task_id, loan_id, team, status, due_at, version, body)"
                " VALUES (:id, :loan, :team, :status, :due, 1, :body)"
            ),
            {
                "id": held.task_id,
                "loan": held.loan_id,
                "team": held.team,
                "status": held.status,
                "due": held.due_at,
                "body": held.model_dump_json(exclude={"version"}),
            },
        )

    async with engine.begin() as conn:
        await conn.run_sync(at_0002)
    sql = SqlDeskStore(engine)
    await sql.migrate()
    assert [t.task_id for t in await sql.assigned("agent-7", 10)] == [held.task_id]
    await sql.close()


async def test_cases_by_loan_and_debtor(store: DeskStore) -> None:
    loan = Loan()
    sibling = Loan(debtor_id=loan.debtor_id)
    case = cases.with_range(cases.case_for(None, loan.loan_id, loan.debtor_id), loan.range("r2"))
    other = cases.case_for(None, sibling.loan_id, sibling.debtor_id)
    await store.commit(Changes(cases=(case, other)))
    stored = await store.case(loan.loan_id)
    assert stored == case.model_copy(update={"version": 1})
    assert {c.loan_id for c in await store.cases_of_debtor(loan.debtor_id)} == {
        loan.loan_id,
        sibling.loan_id,
    }
    assert stored is not None
    cured = cases.with_range(stored, loan.range(None, day=9))
    await store.commit(Changes(cases=(cured,)))
    again = await store.case(loan.loan_id)
    assert again is not None
    assert (again.ended_episode, again.version) == (1, 2)


async def test_contacts_once_the_loans_and_the_debtors_newest_first(store: DeskStore) -> None:
    loan, other = Loan(), Loan()
    first = cases.contact_of(loan.interaction())
    second = cases.contact_of(loan.interaction(occurred_at=OPENED + timedelta(hours=1)))
    general = cases.contact_of(loan.interaction(loan_id=None, kind="reply_received"))
    sibling = cases.contact_of(loan.interaction(loan_id=other.loan_id))
    await store.commit(Changes(contacts=(first, second, general, sibling)))
    await store.commit(Changes(contacts=(first,)))  # again: kept once
    found = await store.contacts(loan.debtor_id, loan.loan_id, 10)
    assert [c.event_id for c in found] == [
        second.event_id,
        *sorted([first.event_id, general.event_id], reverse=True),
    ]
    assert found[0] == second
    assert len(await store.contacts(loan.debtor_id, loan.loan_id, 1)) == 1


async def test_actions_are_kept_once_the_oldest_first(store: DeskStore) -> None:
    loan = Loan()
    case = cases.case_for(None, loan.loan_id, loan.debtor_id)
    later = take_down(
        case,
        ActionRequest(action_id="b", action="dispute"),
        actor="agent-7",
        at=OPENED + timedelta(hours=1),
        today=OPENED.date(),
    )
    first = take_down(
        case,
        ActionRequest(
            action_id="a",
            action="promise_to_pay",
            promised_amount="12.5",
            promised_by="2026-03-20",
            note="after payday",
        ),
        actor="agent-7",
        at=OPENED,
        today=OPENED.date(),
    )
    await store.commit(Changes(actions=(later, first)))
    await store.commit(Changes(actions=(first,)))  # again: kept once
    assert await store.actions(loan.loan_id) == [first, later]
    assert await store.action(first.action_id) == first
    assert await store.action("missing") is None


async def test_promises_are_written_as_given(store: DeskStore) -> None:
    loan = Loan()
    made = cases.promise_made(None, loan.promise())
    assert made is not None
    await store.commit(Changes(promises=(made,)))
    assert await store.promise(loan.loan_id, made.promised_by) == made
    broken = cases.promise_resolved(made, loan.resolved("broken"))
    later = cases.promise_made(None, loan.promise(by=date(2026, 4, 1)))
    assert later is not None
    await store.commit(Changes(promises=(broken, later)))
    assert await store.promises(loan.loan_id) == [broken, later]
    assert await store.ping()


async def test_contacts_and_actions_of_a_period_for_the_reports(store: DeskStore) -> None:
    loan, other = Loan(), Loan()
    hour = timedelta(hours=1)
    before = cases.contact_of(loan.interaction(occurred_at=OPENED - hour))
    at_start = cases.contact_of(loan.interaction(occurred_at=OPENED, provider="agency-7"))
    inside = cases.contact_of(other.interaction(occurred_at=OPENED + hour, kind="call_made"))
    at_end = cases.contact_of(loan.interaction(occurred_at=OPENED + 2 * hour))
    reply = cases.reply_contact(loan.reply("dispute", at=OPENED + hour))
    assert reply is not None
    await store.commit(Changes(contacts=(at_end, inside, before, at_start, reply)))
    found = await store.contacts_between(OPENED, OPENED + 2 * hour, 10)
    assert [c.at for c in found] == [OPENED, OPENED + hour, OPENED + hour]
    assert found[0].provider == "agency-7"
    assert {c.intent for c in found} == {None, "dispute"}
    assert len(await store.contacts_between(OPENED, OPENED + 2 * hour, 1)) == 1
    case = cases.case_for(None, loan.loan_id, loan.debtor_id)
    actions = [
        take_down(
            case,
            ActionRequest(action_id=key, action="complaint"),
            actor="agent-7",
            at=OPENED + offset,
            today=OPENED.date(),
        )
        for key, offset in (("a", -hour), ("b", hour), ("c", 2 * hour))
    ]
    await store.commit(Changes(actions=tuple(actions)))
    assert await store.actions_between(OPENED, OPENED + 2 * hour, 10) == [actions[1]]


async def test_the_reports_read_contacts_and_actions_by_an_index_on_their_time(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/plan.db")
    sql = SqlDeskStore(engine)
    await sql.migrate()
    async with engine.connect() as conn:
        for table in ("desk_contacts", "desk_actions"):
            plan = await conn.execute(
                text(
                    f"EXPLAIN QUERY PLAN SELECT body FROM {table}"  # noqa: S608 - our table names
                    " WHERE at >= :start AND at < :end ORDER BY at LIMIT 10"
                ),
                {"start": OPENED, "end": OPENED + timedelta(days=1)},
            )
            details = " ".join(str(row[-1]) for row in plan)
            assert f"{table}_at" in details, details
    await sql.close()
