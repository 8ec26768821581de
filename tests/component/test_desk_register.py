"""The desk in-process (real application, memory deps): call tasks in their queue closed by
the call's report, and the dispute register, read and resolved by a supervisor, through the
consume loop and the HTTP API."""

from __future__ import annotations

from datetime import date

from prometheus_client import REGISTRY

from shared.events import DisputeResolved, ResolveDispute
from tests.component.test_desk_api import TOPICS, Desk, desk
from tests.polling import eventually
from tests.support.desk import Loan
from tests.support.desk_people import AGENT, SUPERVISOR

__all__ = ["desk"]  # the fixture: the desk's app over memory deps


async def test_a_call_task_is_in_the_dialler_queue_until_its_call_is_reported(desk: Desk) -> None:
    loan = Loan()
    task = loan.call_task()
    desk.arrive(TOPICS.tasks, task)
    await eventually(lambda: task.event_id in desk.store.tasks)
    [queued] = await desk.queue("dialler", SUPERVISOR)
    assert (queued["task_id"], queued["kind"], queued["purpose"]) == (
        task.event_id,
        "call",
        "reminder",
    )
    desk.arrive(TOPICS.interactions, loan.call_reported(task.event_id, "connected", "complaint"))
    await eventually(lambda: desk.store.tasks[task.event_id].status == "done")
    assert await desk.queue("dialler", SUPERVISOR) == []
    shown = await (await desk.http.get(f"/v1/tasks/{task.event_id}", headers=SUPERVISOR)).json()
    assert (shown["outcome"], shown["assignee"]) == ("referred", "agent-7")
    assert f"{TOPICS.interactions}.dlq" not in desk.publisher.records


async def test_a_supervisor_resolves_a_dispute_and_the_scheduler_is_told(desk: Desk) -> None:
    loan = Loan()
    opened = loan.dispute("complaint", day=4)
    desk.arrive(TOPICS.contact_requests, opened)
    desk.arrive(TOPICS.contact_requests, opened)  # redelivered: one entry
    await eventually(lambda: opened.event_id in desk.store.dispute_rows)
    listed = await (await desk.http.get("/v1/disputes?status=open", headers=SUPERVISOR)).json()
    [entry] = listed["disputes"]
    assert (entry["dispute_id"], entry["category"], entry["answer_due"]) == (
        opened.event_id,
        "complaint",
        "2026-03-19",
    )
    assert entry["overdue"] is False
    assert (await desk.http.get("/v1/disputes", headers=AGENT)).status == 403
    path = f"/v1/disputes/{opened.event_id}/resolve"
    refused = await desk.http.post(path, headers=AGENT, json={"resolution": "rejected"})
    assert refused.status == 403
    body = {"resolution": "upheld", "note": "the late fee is refunded"}
    done = await desk.http.post(path, headers=SUPERVISOR, json=body)
    assert done.status == 200, await done.text()
    shown = await done.json()
    assert (shown["status"], shown["resolution"], shown["resolved_by"]) == (
        "resolved",
        "upheld",
        "sup-1",
    )
    [command] = desk.publisher.events(TOPICS.case_actions)
    assert isinstance(command, ResolveDispute)
    assert (command.dispute_id, command.resolved_by, command.loan_id) == (
        opened.event_id,
        "sup-1",
        loan.loan_id,
    )
    again = await desk.http.post(path, headers=SUPERVISOR, json=body)
    assert again.status == 409
    unknown = await desk.http.post("/v1/disputes/nope/resolve", headers=SUPERVISOR, json=body)
    assert unknown.status == 404
    # The scheduler's confirmation changes nothing more.
    desk.arrive(
        TOPICS.contact_requests,
        DisputeResolved(
            event_id="resolved-1",
            occurred_at=opened.occurred_at,
            dispute_id=opened.event_id,
            loan_id=loan.loan_id,
            debtor_id=loan.debtor_id,
            category="complaint",
            resolution="upheld",
            resolved_by="sup-1",
        ),
    )
    await eventually(lambda: sum(desk.source.committed.values()) == 3)
    assert desk.store.dispute_rows[opened.event_id].version == 2


async def test_an_unanswered_dispute_past_its_due_day_is_counted_overdue(desk: Desk) -> None:
    # The desk's clock is on 4 March; a dispute opened in January is long overdue.
    loan = Loan()
    old = loan.dispute("dispute", day=4).model_copy(update={"opened_on": date(2026, 1, 5)})
    desk.arrive(TOPICS.contact_requests, old)
    await eventually(lambda: old.event_id in desk.store.dispute_rows)
    await eventually(
        lambda: (
            (REGISTRY.get_sample_value("desk_disputes_overdue", {"category": "dispute"}) or 0) >= 1
        )
    )
    shown = await (await desk.http.get(f"/v1/disputes/{old.event_id}", headers=SUPERVISOR)).json()
    assert shown["overdue"] is True
