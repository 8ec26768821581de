"""The intake use cases on the memory store: once per event, in any order."""

from __future__ import annotations

from datetime import date

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.handlers import intake
from tests.support.desk import Loan, context


async def test_a_task_opens_once_and_its_case_appears() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    event = loan.task()
    await intake.task_opened(event, ctx)
    await intake.task_opened(event, ctx)  # redelivered
    assert [t.task_id for t in await store.queue("collections", 10)] == [event.event_id]
    case = await store.case(loan.loan_id)
    assert case is not None
    assert case.statement == event.statement


async def test_a_cure_closes_the_live_tasks_and_a_later_episode_opens_anew() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    await intake.range_changed(loan.range("r1"), ctx)
    await intake.task_opened(loan.task(), ctx)
    await intake.range_changed(loan.range(None, day=9), ctx)
    [task] = await store.tasks_of_loan(loan.loan_id)
    assert (task.status, task.closed_reason) == ("closed", "cured")
    assert await store.queue("collections", 10) == []
    await intake.task_opened(loan.task("dispute", episode=2), ctx)
    assert len(await store.queue("collections", 10)) == 1


async def test_a_task_read_after_its_cure_opens_closed() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    await intake.range_changed(loan.range(None, day=9), ctx)
    await intake.task_opened(loan.task(), ctx)
    [task] = await store.tasks_of_loan(loan.loan_id)
    assert task.closed_reason == "cured"


async def test_a_write_off_closes_every_task_of_the_loan() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    await intake.task_opened(loan.task(), ctx)
    await intake.task_opened(loan.task("field_visit"), ctx)
    await intake.contacts_withdrawn(loan.withdrawn("written_off"), ctx)
    assert {t.closed_reason for t in await store.tasks_of_loan(loan.loan_id)} == {"written_off"}


async def test_contacts_and_promises_are_kept_once() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    sent = loan.interaction()
    await intake.interaction_recorded(sent, ctx)
    await intake.interaction_recorded(sent, ctx)
    assert len(await store.contacts(loan.debtor_id, loan.loan_id, 10)) == 1
    await intake.borrower_replied(loan.promise(), ctx)
    await intake.promise_resolved(loan.resolved("broken"), ctx)
    await intake.borrower_replied(loan.promise(), ctx)  # a late copy of the reply
    promise = await store.promise(loan.loan_id, date(2026, 3, 10))
    assert promise is not None
    assert promise.state == "broken"


async def test_an_overdue_notice_updates_the_case() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    await intake.contact_requested(loan.request("321.00"), ctx)
    case = await store.case(loan.loan_id)
    assert case is not None
    assert str(case.overdue_amount) == "321.00"


async def test_a_borrowers_request_after_paying_up_stays_open() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    await intake.range_changed(loan.range("r1", day=2), ctx)
    await intake.range_changed(loan.range(None, day=3), ctx)  # cured on 3 March
    request = loan.task("instalment_request")  # opened on 4 March, numbered episode 1
    await intake.task_opened(request, ctx)
    [task] = await store.tasks_of_loan(loan.loan_id)
    assert task.status == "open"
    await intake.range_changed(loan.range(None, day=3), ctx)  # that cure, redelivered
    assert [t.status for t in await store.tasks_of_loan(loan.loan_id)] == ["open"]


async def test_a_dispute_or_an_opt_out_in_a_reply_is_kept_for_the_reports() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    dispute, other = loan.reply("dispute"), loan.reply("reschedule")
    for reply in (dispute, dispute, other):
        await intake.borrower_replied(reply, ctx)
    [kept] = await store.contacts(loan.debtor_id, loan.loan_id, 10)
    assert (kept.event_id, kept.kind, kept.intent) == (
        dispute.event_id,
        "reply_understood",
        "dispute",
    )
