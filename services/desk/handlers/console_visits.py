"""What the console reads of field visits and disputes: a visit with the notices its case saw
go out, the field team's confirmed visits, and a loan's disputes for whoever may see its case."""

from __future__ import annotations

from typing import Final

from services.desk.domain.access import Person, check_case, check_queue
from services.desk.domain.disputes import Dispute, DisputeStatus
from services.desk.domain.visit_pages import SENT_KINDS
from services.desk.domain.visits import Visit
from services.desk.handlers import disputes, visits
from services.desk.handlers.context import DeskContext

#: The latest contacts of the debtor looked through for a visit's sent notice.
CONTACTS_READ: Final = 200
#: Live field tasks looked through for the field team's visits.
FIELD_TASKS_READ: Final = 200


async def visit_with_notices(
    visit_id: str, person: Person, ctx: DeskContext
) -> tuple[Visit, set[str]]:
    """The visit, and which of its debtor's contact requests went out (a notice sent)."""
    visit = await visits.one_visit(visit_id, person, ctx)
    contacts = await ctx.store.contacts(visit.debtor_id, visit.loan_id, CONTACTS_READ)
    sent = {c.request_id for c in contacts if c.request_id and c.kind in SENT_KINDS}
    return visit, sent


async def field_visits(person: Person, ctx: DeskContext) -> tuple[str, list[Visit]]:
    """The field team and its confirmed visits (those with a live field task): a proposal,
    an undelivered notice, a cancelled or a done visit is not the field team's work."""
    team = ctx.team_by_kind.get("field_visit", ctx.default_team)
    check_queue(person, team)
    tasks = await ctx.store.queue(team, FIELD_TASKS_READ)
    live = {t.task_id for t in tasks if t.kind == "field_visit"}
    found: list[Visit] = []
    for loan_id in dict.fromkeys(t.loan_id for t in tasks if t.task_id in live and t.loan_id):
        found += [
            v
            for v in await ctx.visits.visits_of_loan(loan_id)
            if v.state == "confirmed" and v.task_id in live
        ]
    return team, sorted(found, key=lambda v: (v.slot.starts_at, v.visit_id))


async def loan_disputes(loan_id: str, person: Person, ctx: DeskContext) -> list[Dispute]:
    """The loan's disputes and complaints, the latest first, for whoever may see its case."""
    check_case(person, await ctx.store.tasks_of_loan(loan_id))
    found = await ctx.store.disputes_of_loan(loan_id)
    return sorted(found, key=lambda d: (d.opened_at, d.dispute_id), reverse=True)


async def register_entries(
    person: Person, ctx: DeskContext, status: DisputeStatus | None, limit: int
) -> list[Dispute]:
    """The register for a supervisor or a compliance officer, the earliest answer due first."""
    disputes.check_register(person)
    return await ctx.store.disputes(status, limit)


async def dispute_entry(dispute_id: str, person: Person, ctx: DeskContext) -> Dispute:
    """One entry of the register. :raises DisputeNotFound:"""
    disputes.check_register(person)
    found = await ctx.store.dispute(dispute_id)
    if found is None:
        raise disputes.DisputeNotFound("no such dispute")
    return found
