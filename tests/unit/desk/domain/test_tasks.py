"""A task's life: opened in its team, assigned, in progress, done; closed once not needed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.desk.domain import tasks as rules
from services.desk.domain.model import Case, Task
from services.desk.domain.sla import SlaPolicy
from tests.support.desk import CN, OPENED, Loan

LATER = OPENED + timedelta(hours=1)


def opened(kind: str = "extension_request", case: Case | None = None) -> Task:
    return rules.open_task(
        Loan().task(kind),
        teams={"field_visit": "field"},
        default_team="collections",
        policy=SlaPolicy(),
        calendar=CN,
        case=case,
    )


def test_a_task_opens_in_its_kinds_team_with_its_sla() -> None:
    task = opened("field_visit")
    assert (task.team, task.status, task.assignee) == ("field", "open", None)
    assert opened().team == "collections"
    assert task.due_at > OPENED
    assert [a.what for a in task.actions] == ["opened"]


def test_a_task_whose_episode_already_ended_opens_closed() -> None:
    loan = Loan()
    cured = Case(loan_id=loan.loan_id, debtor_id=loan.debtor_id, episode=1, ended_episode=1)
    task = opened(case=cured)
    assert (task.status, task.closed_reason) == ("closed", "cured")
    written_off = cured.model_copy(update={"ended_episode": 0, "terminal": "written_off"})
    assert opened(case=written_off).closed_reason == "written_off"


def test_assign_start_done() -> None:
    task = rules.assign(opened(), by="sup-1", at=LATER, assignee="agent-7")
    assert (task.assignee, task.status) == ("agent-7", "open")
    task = rules.start(task, by="agent-7", at=LATER)
    assert task.status == "in_progress"
    task = rules.finish(task, by="agent-7", at=LATER, outcome="plan_agreed", note="6 months")
    assert (task.status, task.outcome, task.note, task.finished_at) == (
        "done",
        "plan_agreed",
        "6 months",
        LATER,
    )
    assert [(a.what, a.by) for a in task.actions] == [
        ("opened", "desk"),
        ("assigned", "sup-1"),
        ("started", "agent-7"),
        ("done", "agent-7"),
    ]


def test_starting_takes_an_unassigned_task_and_giving_it_back_reopens_it() -> None:
    task = rules.start(opened(), by="agent-7", at=LATER)
    assert task.assignee == "agent-7"
    back = rules.assign(task, by="agent-7", at=LATER, assignee=None)
    assert (back.status, back.assignee) == ("open", None)


def test_refusals() -> None:
    held = rules.start(opened(), by="agent-7", at=LATER)
    with pytest.raises(rules.TransitionRefused, match="another agent"):
        rules.start(held, by="agent-9", at=LATER)
    with pytest.raises(rules.TransitionRefused, match="held by another"):
        rules.finish(held, by="agent-9", at=LATER, outcome="contacted", note=None)
    with pytest.raises(rules.TransitionRefused, match="in progress"):
        rules.finish(opened(), by="agent-7", at=LATER, outcome="contacted", note=None)
    done = rules.finish(held, by="agent-7", at=LATER, outcome="contacted", note=None)
    with pytest.raises(rules.TransitionRefused, match="done"):
        rules.start(done, by="agent-7", at=LATER)
    with pytest.raises(rules.TransitionRefused, match="done"):
        rules.assign(done, by="sup-1", at=LATER, team="field")


def test_closing_leaves_a_finished_task_alone() -> None:
    held = rules.start(opened(), by="agent-7", at=LATER)
    done = rules.finish(held, by="agent-7", at=LATER, outcome="contacted", note=None)
    assert rules.close(done, "cured", LATER) == done
    closed = rules.close(held, "cured", LATER)
    assert (closed.status, closed.closed_reason, closed.actions[-1].by) == (
        "closed",
        "cured",
        "desk",
    )


def test_no_longer_needed_closes_only_the_ended_episodes_live_tasks() -> None:
    loan = Loan()
    first = opened()
    second = rules.open_task(
        loan.task("dispute", episode=2),
        teams={},
        default_team="collections",
        policy=SlaPolicy(),
        calendar=CN,
        case=None,
    )
    case = Case(loan_id=loan.loan_id, debtor_id=loan.debtor_id, episode=2, ended_episode=1)
    closed = rules.no_longer_needed([first, second], case, LATER)
    assert [t.task_id for t in closed] == [first.task_id]


def test_a_request_after_the_cure_is_a_new_need_not_closed_by_that_cure() -> None:
    loan = Loan()
    cured = Case(
        loan_id=loan.loan_id,
        debtor_id=loan.debtor_id,
        episode=1,
        ended_episode=1,
        ended_on=OPENED.date() - timedelta(days=1),  # paid the day before the request
    )
    task = opened(case=cured)
    assert (task.status, task.closed_reason) == ("open", None)
    same_day = cured.model_copy(update={"ended_on": OPENED.date()})
    assert opened(case=same_day).closed_reason == "cured"


def test_a_debtor_task_names_no_loan_and_is_due_by_the_sla() -> None:
    event = Loan().debtor_task("complaint")
    task = rules.open_debtor_task(
        event, teams={}, default_team="collections", policy=SlaPolicy(), calendar=CN
    )
    assert (task.task_id, task.loan_id, task.debtor_id) == (event.event_id, None, event.debtor_id)
    assert (task.kind, task.team, task.status) == ("reply_review", "collections", "open")
    assert task.opened_at < task.due_at
    assert task.due_at.date() <= event.due_by
    assert task.actions[0].detail == "reply_review: complaint (sms)"
