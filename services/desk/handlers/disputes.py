"""The register of disputes and complaints: kept from the scheduler's events, read by
supervisors, and resolved by one, which releases the hold on collection.

A resolution goes to the scheduler as a ``ResolveDispute`` command (acknowledged by the broker
before the register is written: a crash in between sends the same command again on the retry);
the scheduler releases the loan's hold and publishes ``DisputeResolved``, which the notifier's
gate and the evidence log read, with the person's id.
"""

from __future__ import annotations

from typing import Any

from services.desk.domain import disputes as rules
from services.desk.domain.access import NotAllowed, Person
from services.desk.domain.disputes import Dispute, DisputeStatus
from services.desk.domain.model import Note
from services.desk.handlers.context import DeskContext
from services.desk.metrics import DISPUTES_CHANGED, DISPUTES_OPEN, DISPUTES_OVERDUE
from shared.case_events import DisputeResolution
from shared.errors import ServiceError
from shared.events import DisputeOpened, DisputeResolved, ResolveDispute, derived_event_id


class DisputeNotFound(ServiceError):
    """No dispute has that id (HTTP 404)."""


def check_register(person: Person) -> None:
    """Supervisors and compliance officers keep the register; agents do not."""
    if person.role not in ("supervisor", "compliance"):
        raise NotAllowed("only a supervisor or a compliance officer keeps the dispute register")


async def dispute_opened(event: DisputeOpened, ctx: DeskContext) -> None:
    """A new entry in the register, its answer due by the pack's period (once)."""
    if await ctx.store.dispute(event.event_id) is not None:
        return  # a redelivery
    entry = rules.register(event, ctx.answer_periods, ctx.calendar)
    await ctx.store.save_dispute(entry)
    DISPUTES_CHANGED.labels(entry.category, "opened").inc()


async def dispute_resolved(event: DisputeResolved, ctx: DeskContext) -> None:
    """The scheduler released the hold: the entry shows it resolved (if it did not yet)."""
    stored = await ctx.store.dispute(event.dispute_id)
    done = rules.confirmed(stored, event) if stored is not None else None
    if done is not None:
        await ctx.store.save_dispute(done)
        DISPUTES_CHANGED.labels(done.category, "resolved").inc()


async def resolve(
    dispute_id: str,
    person: Person,
    ctx: DeskContext,
    *,
    resolution: DisputeResolution,
    note: Note | None,
) -> Dispute:
    """A supervisor resolves the dispute: the scheduler is told, then the register written."""
    check_register(person)
    stored = await ctx.store.dispute(dispute_id)
    if stored is None:
        raise DisputeNotFound("no such dispute")
    done = rules.resolve(stored, resolution=resolution, note=note, by=person.id, at=ctx.clock())
    command = ResolveDispute(
        event_id=derived_event_id(dispute_id, "resolve"),
        occurred_at=done.resolved_at or ctx.clock(),
        dispute_id=dispute_id,
        loan_id=done.loan_id,
        debtor_id=done.debtor_id,
        resolution=resolution,
        resolved_by=person.id,
    )
    await ctx.publisher.publish(ctx.case_actions_topic, command)
    await ctx.store.save_dispute(done)
    DISPUTES_CHANGED.labels(done.category, "resolved").inc()
    return done.model_copy(update={"version": stored.version + 1})


def dispute_json(dispute: Dispute, ctx: DeskContext) -> dict[str, Any]:
    today = ctx.calendar.business_date(ctx.clock())
    body = dispute.model_dump(mode="json", exclude={"version"})
    return {**body, "overdue": dispute.overdue(today)}


async def register(
    person: Person, ctx: DeskContext, status: DisputeStatus | None, limit: int
) -> list[dict[str, Any]]:
    """The register, the earliest answer due first."""
    check_register(person)
    return [dispute_json(d, ctx) for d in await ctx.store.disputes(status, limit)]


async def one(dispute_id: str, person: Person, ctx: DeskContext) -> dict[str, Any]:
    check_register(person)
    found = await ctx.store.dispute(dispute_id)
    if found is None:
        raise DisputeNotFound("no such dispute")
    return dispute_json(found, ctx)


async def refresh_dispute_gauges(ctx: DeskContext) -> None:
    """Open and overdue entries per category (an overdue answer is alerted on)."""
    today = ctx.calendar.business_date(ctx.clock())
    open_ = await ctx.store.disputes("open", 100_000)
    for category in ("dispute", "complaint"):
        mine = [d for d in open_ if d.category == category]
        DISPUTES_OPEN.labels(category).set(len(mine))
        DISPUTES_OVERDUE.labels(category).set(sum(1 for d in mine if d.overdue(today)))
