"""The pre-call gate's use cases: ask before a dial, report how it went, release what expired.

An ask is judged by the same packs over the same live ledger as messages and, allowed, reserves
at once against every cap. A report is kept once, then published (the interaction for the
evidence log, the dispositions as commands to the scheduler) on every repeat too: the events'
ids derive from the call, so a caller retrying after a failed publish loses nothing and doubles
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifier.domain.call_effects import (
    call_effects,
    call_interaction,
    case_actions,
    refused_interaction,
    task_report,
)
from services.notifier.domain.calls import CallAsk, CallRecord, CallReport, CallTicket, judge_call
from services.notifier.domain.model import GateFacts
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.metrics import CALL_DECISIONS, CALL_OUTCOMES, CALL_RESERVATIONS_RELEASED
from services.notifier.ports import NotifierStore
from shared.ports import EventPublisher


class CallConflict(Exception):
    """The key (or the call) was used before with a different body."""


class CallUnknown(Exception):
    """No call has this id."""


@dataclass(frozen=True)
class CallContext:
    store: NotifierStore
    packs: Sequence[Pack]
    publisher: EventPublisher
    interactions_topic: str
    case_actions_topic: str
    clock: Callable[[], datetime]
    #: How long an allowed call's reservation waits for the dial before it is released.
    reservation_ttl: timedelta = timedelta(minutes=10)


async def ask_to_call(ctx: CallContext, ask: CallAsk) -> tuple[CallRecord, bool]:
    """The gate's answer for one dial (and whether it is new: a repeat of the caller's key
    gets the first answer back); a dial not allowed is recorded as evidence. Raises
    :class:`CallConflict` for a key reused differently."""
    now = ctx.clock()
    entry = await ctx.store.get(ask.debtor_id)
    ticket = CallTicket.of(ask, now, ctx.reservation_ttl)

    def judge(facts: GateFacts) -> Decision:
        return judge_call(ctx.packs, ask, entry, facts, now)

    record, new = await ctx.store.decide_call(ticket, judge)
    if record.ask_sha256 != ticket.ask_sha256:
        raise CallConflict("this idempotency key was used for another call")
    if new:
        CALL_DECISIONS.labels(record.decision.outcome.value.lower()).inc()
    if record.decision.outcome is not Outcome.ALLOW:
        # On a repeat too: a caller retrying after a failed publish loses no evidence.
        await ctx.publisher.publish(ctx.interactions_topic, refused_interaction(record))
    return record, new


async def report_call(
    ctx: CallContext, call_id: str, report: CallReport
) -> tuple[CallRecord, bool]:
    """Keep the call's outcome once and publish what it means. Raises :class:`CallUnknown`,
    or :class:`CallConflict` when the call was reported before with another outcome."""
    record = await ctx.store.call(call_id)
    if record is None:
        raise CallUnknown(call_id)
    effects = call_effects(record, report, ctx.clock())
    stored, new = await ctx.store.report_call(call_id, report, effects)
    if stored.report_sha256 != report.sha256() or stored.report is None:
        raise CallConflict("this call was reported before with another outcome")
    if new:
        CALL_OUTCOMES.labels(report.status).inc()
    await ctx.publisher.publish(ctx.interactions_topic, call_interaction(stored, stored.report))
    task = task_report(stored, stored.report)
    if task is not None:
        # On the interactions topic (the debtor's key), after the call's evidence.
        await ctx.publisher.publish(ctx.interactions_topic, task)
    for action in case_actions(stored, stored.report):
        await ctx.publisher.publish(ctx.case_actions_topic, action)
    return stored, new


async def release_expired(ctx: CallContext) -> int:
    """Release every reservation not used by its expiry (a periodic job)."""
    released = await ctx.store.release_expired_calls(ctx.clock())
    CALL_RESERVATIONS_RELEASED.inc(released)
    return released
