"""Acting on a person's decision from the desk's review queues, once.

The decision is checked against what the ledger says of the send (a decision on a send that is
not waiting for it is dead-lettered with the reason), recorded as a ``review_decided``
interaction with the person's id, and then acted on: a rejection settles the send withdrawn;
a confirmed delivery settles it sent and registers its code; an approval, a confirmed
non-delivery and a re-drive send a **new attempt** through the gate (its own key, fresh at the
moment of sending; an approval lifts only the escalation the person reviewed). Every step is
idempotent by derived ids, so a redelivered decision changes nothing more.
"""

from __future__ import annotations

from dataclasses import replace

from services.notifier.domain.model import GateTicket, LedgerEntry, SendStatus
from services.notifier.domain.review import REDRIVES, KeptSend, decided, new_attempt, refusal
from services.notifier.domain.sends import Send, send_key
from services.notifier.handlers.codes import register_delivered, register_not_sent
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.outcomes import publish, record_stopped
from services.notifier.handlers.sending import send_on_channel
from services.notifier.metrics import REVIEW_DECISIONS
from shared.errors import PermanentError
from shared.events import ApplyReviewDecision, ContactRequested


class ReviewRefused(PermanentError):
    """A decision the notifier cannot act on (unknown send, or not waiting for it)."""

    reason_code = "review_refused"


async def apply_review_decision(decision: ApplyReviewDecision, ctx: SendContext) -> None:
    """Record and act on ``decision``.

    :raises ReviewRefused: no such send kept, or one the decision does not fit (dead-lettered).
    """
    kept, send = await _kept(decision, ctx)
    entry = await ctx.store.entry(send.key)
    why = refusal(decision, entry.status if entry else None)
    if why is None and decision.decision == "redrive" and entry is None:
        why = await _withdraw_unclaimed(ctx, send)
    if why is not None:
        REVIEW_DECISIONS.labels(decision.queue, decision.decision, "refused").inc()
        raise ReviewRefused(why)
    await publish(ctx, decided(decision, send, ctx.clock()))
    await _settle_old(ctx, decision, send, entry)
    result = "applied"
    if decision.decision in REDRIVES:
        result = await _redrive(ctx, decision, kept, send.request)
    REVIEW_DECISIONS.labels(decision.queue, decision.decision, result).inc()


async def _settle_old(
    ctx: SendContext, decision: ApplyReviewDecision, send: Send, entry: LedgerEntry | None
) -> None:
    """What becomes of the send decided on (re-drives leave it as it is, bar a non-delivery)."""
    verdict = decision.decision
    if verdict == "reject":
        await ctx.store.settle(send.key, SendStatus.WITHDRAWN)
    elif verdict == "confirm_delivered":
        provider = entry.provider if entry else None
        mid = entry.provider_message_id if entry else None
        await register_delivered(ctx, send, provider=provider, provider_message_id=mid)
    elif verdict == "confirm_not_delivered" and entry and entry.status is SendStatus.UNCERTAIN:
        await register_not_sent(ctx, send, f"confirmed not delivered: {decision.reason}"[:500])


async def _kept(decision: ApplyReviewDecision, ctx: SendContext) -> tuple[KeptSend, Send]:
    kept = await ctx.store.kept_send(send_key(decision.request_id, decision.channel))
    if kept is None:
        raise ReviewRefused("no send of this request and channel asks for a decision")
    request = ContactRequested.model_validate_json(kept.request)
    if (request.debtor_id, request.loan_id) != (decision.debtor_id, decision.loan_id):
        raise ReviewRefused("the decision names another debtor or loan than the send")
    return kept, Send.of(request, decision.channel, ctx.verification_secret)


async def _withdraw_unclaimed(ctx: SendContext, send: Send) -> str | None:
    """A send stopped before the gate (no ledger row) is withdrawn before its re-drive, so a
    hold released later cannot send it beside the new attempt; None when withdrawn (or
    withdrawn already), else why not."""
    request = send.request
    ticket = GateTicket(
        key=send.key,
        debtor_id=request.debtor_id,
        debt_id=request.loan_id,
        channel=send.channel,
        contact_point="",
        at=ctx.clock(),
        request=request.model_dump_json().encode(),
        episode=request.episode,
        purpose=request.purpose,
    )
    if await ctx.store.withdraw_send(ticket):
        return None
    entry = await ctx.store.entry(send.key)
    if entry is not None and entry.status in (SendStatus.BLOCKED, SendStatus.WITHDRAWN):
        return None
    shown = entry.status.value if entry else "unknown"
    return f"the send is {shown} meanwhile: it went through the gate by itself"


async def _redrive(
    ctx: SendContext, decision: ApplyReviewDecision, kept: KeptSend, request: ContactRequested
) -> str:
    """The new attempt through the gate, unless what it would say was withdrawn meanwhile."""
    attempt = new_attempt(request, decision)
    if kept.withdrawn is not None:
        send = Send.of(attempt, decision.channel, ctx.verification_secret)
        await record_stopped(
            ctx, send, "send_withdrawn", "withdrawn", f"not re-driven: {kept.withdrawn}"
        )
        return "withdrawn"
    approved = frozenset(decision.rules) if decision.decision == "approve" else frozenset()
    await send_on_channel(attempt, decision.channel, replace(ctx, approved=approved))
    return "applied"
