"""The register's use cases on the memory store: entered once, resolved once by a supervisor
or a compliance officer (the command sent before the entry is written), never by an agent."""

from __future__ import annotations

import pytest

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.tasks import TransitionRefused
from services.desk.handlers import disputes
from shared.events import ResolveDispute
from shared.testing.memory import InMemoryEventPublisher
from tests.support.desk import AGENT, SUPERVISOR, Loan, context

COMPLIANCE = Person(id="co-1", role="compliance")


async def test_a_dispute_is_entered_once_with_its_answer_due() -> None:
    store, loan = InMemoryDeskStore(), Loan()
    ctx = context(store)
    event = loan.dispute("complaint", day=4)
    await disputes.dispute_opened(event, ctx)
    await disputes.dispute_opened(event, ctx)  # redelivered
    [entry] = await store.disputes("open", 10)
    assert (entry.dispute_id, entry.version) == (event.event_id, 1)
    assert str(entry.answer_due) == "2026-03-19"


@pytest.mark.parametrize("person", [SUPERVISOR, COMPLIANCE])
async def test_a_supervisor_or_compliance_officer_resolves_it(person: Person) -> None:
    store, publisher, loan = InMemoryDeskStore(), InMemoryEventPublisher(), Loan()
    ctx = context(store, publisher=publisher)
    event = loan.dispute()
    await disputes.dispute_opened(event, ctx)
    done = await disputes.resolve(
        event.event_id, person, ctx, resolution="rejected", note="checked the ledger"
    )
    assert (done.status, done.resolved_by, done.note) == (
        "resolved",
        person.id,
        "checked the ledger",
    )
    [command] = publisher.events(ctx.case_actions_topic)
    assert isinstance(command, ResolveDispute)
    assert (command.dispute_id, command.resolved_by) == (event.event_id, person.id)
    with pytest.raises(TransitionRefused):
        await disputes.resolve(event.event_id, person, ctx, resolution="upheld", note=None)
    assert len(publisher.events(ctx.case_actions_topic)) == 1


async def test_an_agent_neither_reads_nor_resolves_the_register() -> None:
    store, publisher, loan = InMemoryDeskStore(), InMemoryEventPublisher(), Loan()
    ctx = context(store, publisher=publisher)
    event = loan.dispute()
    await disputes.dispute_opened(event, ctx)
    with pytest.raises(NotAllowed):
        await disputes.register(AGENT, ctx, None, 10)
    with pytest.raises(NotAllowed):
        await disputes.resolve(event.event_id, AGENT, ctx, resolution="upheld", note=None)
    assert publisher.events(ctx.case_actions_topic) == []
    with pytest.raises(disputes.DisputeNotFound):
        await disputes.resolve("nope", SUPERVISOR, ctx, resolution="upheld", note=None)
