"""What became of a send: counted, settled where the ledger needs it, recorded as an
interaction on the interactions topic (the audit log's input).

The settle path of an uncertain send is here, shared by every way one is resolved: the
reconciler's provider lookups, the recovery after a restart, a provider's push, a person's
decision. :func:`settle_uncertain` registers the send's verification code as possibly sent;
``handlers/codes.py`` registers it later as sent or not sent (the audit log keeps each, and the
borrower's verification page says so).
"""

from __future__ import annotations

import logging

from services.notifier.domain.interactions import (
    GATED,
    gated,
    stopped,
    uncertain,
)
from services.notifier.domain.model import SendStatus
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.review import kept
from services.notifier.domain.sends import Delivery, Send
from services.notifier.domain.uncertain import UncertainSend
from services.notifier.handlers.context import SendContext
from shared.events import InteractionKind, InteractionRecorded

log = logging.getLogger(__name__)


async def publish(ctx: SendContext, interaction: InteractionRecorded) -> None:
    """Record one interaction."""
    await ctx.publisher.publish(ctx.interactions_topic, interaction)


async def record_stopped(
    ctx: SendContext, send: Send, kind: InteractionKind, outcome: str, reason: str
) -> None:
    """Count ``outcome`` and record why the send did not go (``kind``)."""
    ctx.observer.counted(send.channel, outcome)
    await publish(ctx, stopped(send, kind, ctx.clock(), reason))


async def keep_for_review(ctx: SendContext, send: Send) -> None:
    """Keep the request of a send that asks a person, for the decision taken on it later
    (before its interaction is published, so the desk never shows a send nobody can act on)."""
    await ctx.store.keep_send(kept(send, ctx.clock()))


async def record_blocked(ctx: SendContext, send: Send, why: str) -> None:
    """Blocked before the gate could judge it (no channel, no template, no contact point)."""
    await keep_for_review(ctx, send)
    await record_stopped(ctx, send, "send_blocked", "blocked", why)


async def record_gated(ctx: SendContext, send: Delivery, decision: Decision) -> None:
    """The gate deferred, blocked or escalated the send."""
    if decision.outcome in (Outcome.BLOCK, Outcome.ESCALATE):
        await keep_for_review(ctx, send)
    ctx.observer.counted(send.channel, GATED[decision.outcome].removeprefix("send_"))
    ctx.observer.rules_hit(decision.rules)
    await publish(ctx, gated(send, decision, ctx.clock()))


async def settle_uncertain(ctx: SendContext, send: Send, reason: str) -> None:
    """The provider may have the message: UNCERTAIN in the ledger, never resent blindly; kept
    for the reconciler, and its code registered as possibly sent."""
    request_id = send.request.event_id
    log.warning("send outcome uncertain; not resending", extra={"request_id": request_id})
    entry = await ctx.store.entry(send.key)
    provider = entry.provider if entry else None
    await ctx.store.settle(send.key, SendStatus.UNCERTAIN, None, provider)
    await keep_for_review(ctx, send)
    ctx.observer.counted(send.channel, "uncertain")
    await record_uncertain(ctx, send, provider, reason)


async def record_uncertain(ctx: SendContext, send: Send, provider: str | None, reason: str) -> None:
    """Keep an UNCERTAIN send for reconciliation and record it (both idempotent: a
    redelivered request repeats them, so a crash between the two loses neither)."""
    now = ctx.clock()
    await ctx.store.keep_uncertain(
        UncertainSend(
            key=send.key,
            debtor_id=send.request.debtor_id,
            channel=send.channel,
            provider=provider,
            request=send.request.model_dump_json().encode(),
            since=now,
            next_check_at=ctx.reconcile_backoff.after(0, now),
        )
    )
    await publish(ctx, uncertain(send, now, reason))
