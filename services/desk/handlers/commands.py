"""Agents' actions on a case become commands to the scheduler, once."""

from __future__ import annotations

from services.desk.domain.access import Person, check_case
from services.desk.domain.commands import ActionRequest, command, command_id, take_down
from services.desk.domain.model import AgentAction, Changes, Promise
from services.desk.handlers.context import DeskContext
from services.desk.handlers.reads import CaseNotFound
from services.desk.metrics import CASE_ACTIONS


async def record_action(
    loan_id: str, request: ActionRequest, person: Person, ctx: DeskContext
) -> tuple[AgentAction, bool]:
    """Send the agent's action to the scheduler and keep it on the case; the action and
    whether it is new (a repeat of an action id changes nothing and sends nothing).

    The command is acknowledged by the broker before the desk keeps the action: a crash in
    between sends the same command (the same id) again on the agent's retry, never loses it.
    """
    case = await ctx.store.case(loan_id)
    if case is None:
        raise CaseNotFound("no such loan")
    check_case(person, await ctx.store.tasks_of_loan(loan_id))
    known = await ctx.store.action(command_id(loan_id, request.action_id))
    if known is not None:
        return known, False
    now = ctx.clock()
    action = take_down(
        case, request, actor=person.id, at=now, today=ctx.calendar.business_date(now)
    )
    await ctx.publisher.publish(ctx.case_actions_topic, command(action))
    await ctx.store.commit(Changes(actions=(action,), promises=await _promise(action, ctx)))
    CASE_ACTIONS.labels(action.action).inc()
    return action, True


async def _promise(action: AgentAction, ctx: DeskContext) -> tuple[Promise, ...]:
    """A promise the agent took down joins the loan's promises (open), unless already there."""
    amount, by = action.promised_amount, action.promised_by
    if amount is None or by is None or await ctx.store.promise(action.loan_id, by) is not None:
        return ()
    promise = Promise(
        loan_id=action.loan_id,
        debtor_id=action.debtor_id,
        promised_by=by,
        amount=amount,
        made_at=action.at,
    )
    return (promise,)
