"""Field visits at the desk: kept as the scheduler proposes them, confirmed by their notice's
delivery (which opens the field team's task), followed up by a person when the notice did not
arrive, called off (closing the task), and done with the field agent's outcome, which goes to
the evidence log once."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from services.desk.domain import tasks as task_rules
from services.desk.domain import visits as rules
from services.desk.domain.access import Person, check_case, check_task
from services.desk.domain.model import Changes
from services.desk.domain.visits import Visit, VisitNote
from services.desk.handlers import intake
from services.desk.handlers.context import DeskContext
from services.desk.metrics import VISITS
from shared.errors import ServiceError
from shared.events import InteractionRecorded, VisitCancelled, VisitOutcomeRecorded, VisitProposed
from shared.visit_events import VisitOutcome


class VisitNotFound(ServiceError):
    """No visit has that id (HTTP 404)."""


#: How many of the debtor's latest contacts a new proposal looks through for its notice.
EARLY_FATES: Final = 500


async def visit_proposed(event: VisitProposed, ctx: DeskContext) -> None:
    """A proposed slot, kept; not workable (no task) until its notice was delivered. The
    notice's fate may have been read first (another topic): the kept contacts tell it."""
    if await ctx.visits.visit(event.slot.visit_id) is not None:
        return  # a redelivery
    visit = rules.proposed(event)
    await ctx.visits.keep_visit(visit)
    VISITS.labels("proposed").inc()
    seen = await ctx.store.contacts(event.debtor_id, event.loan_id, EARLY_FATES)
    for contact in sorted(seen, key=lambda c: (c.at, c.event_id)):
        if contact.request_id == event.notice_id:
            await _fate(contact, contact.at, ctx)


async def notice_seen(event: InteractionRecorded, ctx: DeskContext) -> None:
    """A visit notice's receipt or failure: delivered confirms the visit and opens the field
    team's task; never arriving leaves it undelivered, with a task for a person."""
    await _fate(event, event.occurred_at, ctx)


async def _fate(event: rules.Fate, at: datetime, ctx: DeskContext) -> None:
    result = rules.delivery(event)
    if result is None or event.request_id is None:
        return
    visit = await ctx.visits.visit_for_notice(event.request_id)
    if visit is None:
        return  # not a visit's notice (or its proposal is still to come: it looks back)
    changed = rules.on_notice(visit, result, event)
    if changed is None:
        return
    # The task first (by its derived id, once), then the visit: a crash in between opens the
    # same task again on redelivery, which its id makes a no-op.
    opened = rules.visit_task(changed, at, undelivered=result == "failed")
    await intake.task_opened(opened, ctx)
    await ctx.visits.keep_visit(changed)
    VISITS.labels(changed.state).inc()


async def visit_cancelled(event: VisitCancelled, ctx: DeskContext) -> None:
    """A visit called off: kept with the reason, its live tasks closed."""
    visit = await ctx.visits.visit(event.visit_id)
    if visit is None:
        return  # never proposed here (an older deployment): nothing to call off
    changed = rules.cancelled(visit, event)
    if changed is None:
        return
    reason = event.reason
    ended = []
    for task_id in (visit.task_id, visit.follow_up_id):
        task = await ctx.store.task(task_id)
        if task is not None and task.live:
            ended.append(task_rules.close(task, reason, event.occurred_at))
    if ended:
        await ctx.store.commit(Changes(tasks=tuple(ended)))
        intake.count_closed(tuple(ended))
    await ctx.visits.keep_visit(changed)
    VISITS.labels("cancelled").inc()


async def outcome_recorded(event: VisitOutcomeRecorded, ctx: DeskContext) -> None:
    """The desk's own outcome record read back: written here when the API's write was lost
    after the record went out (effects durable before the visit says done)."""
    visit = await ctx.visits.visit(event.visit_id)
    if visit is None or visit.state == "done":
        return
    done = rules.done(
        visit,
        outcome=event.outcome,
        note=event.note,
        by=event.actor,
        at=event.occurred_at,
        key=event.outcome_id,
    )
    await ctx.visits.keep_visit(done)


async def loan_visits(loan_id: str, person: Person, ctx: DeskContext) -> list[Visit]:
    """The loan's visits, for someone who may see its case."""
    check_case(person, await ctx.store.tasks_of_loan(loan_id))
    return await ctx.visits.visits_of_loan(loan_id)


async def one_visit(visit_id: str, person: Person, ctx: DeskContext) -> Visit:
    visit = await ctx.visits.visit(visit_id)
    if visit is None:
        raise VisitNotFound("no such visit")
    check_case(person, await ctx.store.tasks_of_loan(visit.loan_id))
    return visit


async def record_outcome(
    visit_id: str,
    person: Person,
    ctx: DeskContext,
    *,
    outcome: VisitOutcome,
    note: VisitNote | None,
    key: str,
) -> tuple[Visit, bool]:
    """The field agent's outcome: to the evidence log first (once, by ``key``), then on the
    visit, and the field task done with it. Returns the visit and whether it is new."""
    visit = await one_visit(visit_id, person, ctx)
    task = await ctx.store.task(visit.task_id)
    if task is not None:
        check_task(person, task)
    done = rules.done(visit, outcome=outcome, note=note, by=person.id, at=ctx.clock(), key=key)
    if done is visit:
        return visit, False
    record = rules.outcome_record(done)
    await ctx.publisher.publish(ctx.tasks_topic, record)
    if task is not None and task.live:
        finished = rules.finished_task(task, done)
        await ctx.store.commit(Changes(tasks=(finished,)))
    await ctx.visits.keep_visit(done)
    VISITS.labels(f"done_{outcome}").inc()
    return done.model_copy(update={"version": visit.version + 1}), True
