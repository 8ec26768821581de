"""Call steps: a strategy step may be a call, which opens a call task for an agent team or a
dialler queue instead of a message request; once per episode, with a replayable id."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from services.scheduler.domain.strategy import StrategyError, load_strategy
from shared.events import BorrowerReplied, CallTaskOpened, ContactRequested
from tests.unit.scheduler.domain.test_planner import START, Book, steps
from tests.unit.scheduler.support import STRATEGY_FILE, at

US_STRATEGY = STRATEGY_FILE.with_name("strategy-us.yaml")
BASE = """
version: "t"
ranges: [{id: early, min_days: 1}]
rules:
  - id: r
    range: early
    steps: [STEP]
"""


def calls(book: Book) -> list[CallTaskOpened]:
    return [e for e in book.outputs if isinstance(e, CallTaskOpened)]


def test_the_call_step_opens_a_task_for_its_queue_and_sends_no_message_that_day() -> None:
    book = Book()
    found = book.days(START, START + timedelta(days=5))
    [task] = [e for e in found if isinstance(e, CallTaskOpened)]
    assert (task.step, task.queue, task.purpose) == ("early-call", "dialler", "reminder")
    assert task.loan_id == "loan-1"
    assert task.episode == 1
    # Four days past due (the instalment was due on START) is Saturday 14 March: counted from
    # Monday, one business day to make the call.
    assert task.occurred_at.date() == START + timedelta(days=4)
    assert task.due_by == date(2026, 3, 17)
    assert task.statement is not None
    assert task.statement.days_past_due == 4
    day_four = [e for e in found if e.occurred_at.date() == START + timedelta(days=4)]
    assert not [e for e in day_four if isinstance(e, ContactRequested)]
    assert steps(book.outputs) == ["early-notice"]


def test_a_call_task_is_opened_once_and_a_replay_gives_the_same_id() -> None:
    first, second = Book(), Book()
    first.days(START, START + timedelta(days=25))
    second.days(START, START + timedelta(days=25))
    assert [c.step for c in calls(first)] == ["early-call", "early-agent-call"]
    assert calls(first) == calls(second)
    assert first.days(START + timedelta(days=25), START + timedelta(days=25)) == []


def test_a_cured_loan_opens_no_later_call_and_a_new_episode_gets_new_ids() -> None:
    book = Book()
    book.days(START, START + timedelta(days=5))
    [before] = calls(book)
    book.pay(START + timedelta(days=6), "1050")
    book.days(START + timedelta(days=6), START + timedelta(days=30))
    assert calls(book) == [before]
    book.days(START + timedelta(days=31), date(2026, 5, 20))  # the second instalment falls due
    again = [c for c in calls(book) if c.episode == 2]
    assert again
    assert again[0].event_id != before.event_id


def test_a_held_loan_opens_no_call() -> None:
    book = Book()
    book.days(START, START + timedelta(days=2))
    book.event(_reply("dispute"))
    book.days(START + timedelta(days=3), START + timedelta(days=25))
    assert calls(book) == []


def _reply(intent: str) -> BorrowerReplied:
    return BorrowerReplied(
        event_id=f"reply-{intent}",
        occurred_at=at(START + timedelta(days=2)),
        debtor_id="debtor-1",
        loan_id="loan-1",
        channel="sms",
        intent=intent,
    )


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ("{id: c, at_days: 2, kind: call}", "needs a queue"),
        ("{id: c, at_days: 2, kind: call, queue: dialler, template: t}", "sends no message"),
        ("{id: m, at_days: 2}", "needs a template and channels"),
        ("{id: c, at_days: 2, kind: call, queue: Dialler}", "queue"),
        ("{id: c, at_days: 2, kind: call, queue: dialler, purpose: threaten}", "purpose"),
    ],
)
def test_a_call_step_is_checked_at_load(step: str, reason: str) -> None:
    with pytest.raises(StrategyError, match=reason):
        load_strategy(BASE.replace("STEP", step))


@pytest.mark.parametrize("path", [STRATEGY_FILE, US_STRATEGY])
def test_the_cn_and_us_strategies_have_call_steps_in_every_range(path: Path) -> None:
    strategy = load_strategy(path.read_text())
    ranges = {r.id for r in strategy.ranges}
    called = {rule.range for rule in strategy.rules for s in rule.steps if s.kind == "call"}
    assert called == ranges
    for rule in strategy.rules:
        for step in rule.steps:
            if step.kind == "call":
                assert step.queue in {"dialler", "collections"}
                assert not step.channels
