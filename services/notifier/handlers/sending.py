"""Sending a contact request: each (request, channel) once, through the compliance gate.

The ledger row is written in the same transaction as the gate's reservation, before the
provider is called. A row found PENDING means an earlier attempt may have reached the
provider: it is reconciled or marked UNCERTAIN, never resent blindly (:mod:`.recovery`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from services.notifier.domain.freshness import local_today, stale_reason
from services.notifier.domain.model import (
    HOLD_CONTACT_POINT,
    HOLD_EXPIRED,
    PARKED,
    AlreadyDecided,
    DirectoryEntry,
    GateFacts,
    GateTicket,
    SendLater,
    SendStatus,
)
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.sends import Delivery, Send, contact_point_id, gate_scenario
from services.notifier.domain.templates import RenderFailed, TemplateMissing
from services.notifier.handlers.context import DeliveryExhausted, SendContext
from services.notifier.handlers.delivery import deliver, send_later
from services.notifier.handlers.email_bounces import bounced
from services.notifier.handlers.email_unsubscribe import with_list_headers
from services.notifier.handlers.outcomes import record_blocked, record_gated, record_stopped
from services.notifier.handlers.recovery import replay
from services.notifier.handlers.withdrawals import record_withdrawn
from shared.events import Channel, ContactRequested


async def send_contact_request(request: ContactRequested, ctx: SendContext) -> None:
    """Send ``request`` on each of its channels, at most once each. A later request of the
    same loan and purpose supersedes what an earlier one still has waiting."""
    superseded = await ctx.store.withdraw(
        request.debtor_id,
        request.loan_id,
        purpose=request.purpose,
        keep=request.event_id,
        at=ctx.clock(),
    )
    why = f"superseded by request {request.event_id}"
    await ctx.store.withdraw_kept(
        request.debtor_id,
        request.loan_id,
        reason=why,
        purpose=request.purpose,
        keep=request.event_id,
    )
    await record_withdrawn(ctx, superseded, why)
    exhausted: list[str] = []
    for channel in request.channels:
        try:
            await send_on_channel(request, channel, ctx)
        except DeliveryExhausted as e:
            exhausted.append(f"{channel}: {e}")
    if exhausted:
        raise DeliveryExhausted("; ".join(exhausted))


async def send_on_channel(request: ContactRequested, channel: Channel, ctx: SendContext) -> None:
    """One (request, channel): replay a settled send, or gate it and deliver it. Whenever it
    goes (at once, or after a deferral, a hold, a re-drive), what it says must still be true."""
    send = Send.of(request, channel, ctx.verification_secret)
    existing = await ctx.store.entry(send.key)
    if existing is not None and await replay(ctx, send, existing):
        return
    entry = await ctx.store.get(request.debtor_id)
    ticket = ticket_of(send, ctx.clock(), entry)
    if not await _ready(ctx, send, ticket, entry):
        return
    address = entry.address(channel) if entry else None
    client = ctx.channels.get(channel)
    if entry is None or address is None or client is None:
        return  # (_ready has recorded why)
    try:
        message = ctx.templates.render(
            request, channel, entry.locale, ctx.institution, send.code, ctx.wechat_message
        )
    except (TemplateMissing, RenderFailed) as e:
        await record_blocked(ctx, send, str(e))
        return
    message = with_list_headers(ctx.unsubscribe, request.debtor_id, channel, message, ctx.clock())
    delivery = send.addressed(address, message)
    ticket = replace(ticket, contact_point=contact_point_id(channel, address))
    decision = await _decide(ctx, delivery, entry, ticket)
    if decision is None:
        return  # another worker holds the claim and is sending it now
    ctx.observer.decided(channel, decision)
    if decision.outcome is not Outcome.ALLOW:
        await record_gated(ctx, delivery, decision)
        return
    try:
        await deliver(ctx, delivery, client, decision)
    except SendLater as e:
        await send_later(ctx, delivery, ticket, decision, e)


async def _decide(
    ctx: SendContext, send: Delivery, entry: DirectoryEntry, ticket: GateTicket
) -> Decision | None:
    """The gate's decision, taken in the store's transaction; None when the ledger had the
    send already (what it settled as is replayed)."""
    try:
        return await ctx.store.decide(ticket, judge_for(ctx, send, entry, ticket.at))
    except AlreadyDecided:
        await decided_elsewhere(ctx, send)
        return None


def judge_for(
    ctx: SendContext, send: Delivery, entry: DirectoryEntry, now: datetime
) -> Callable[[GateFacts], Decision]:
    """The gate judging ``send`` at ``now`` from the facts the store reads."""

    def judge(facts: GateFacts) -> Decision:
        scenario = gate_scenario(
            send.request,
            send.channel,
            entry,
            facts,
            send.message,
            institution=ctx.institution,
            code=send.code,
            now=now,
        )
        return evaluate(ctx.packs, scenario, ctx.approved)

    return judge


async def decided_elsewhere(ctx: SendContext, send: Send) -> None:
    """The ledger had the send when it asked the gate: what it settled as is replayed (a
    PENDING one is another worker's, being sent now)."""
    settled = await ctx.store.entry(send.key)
    if settled is not None and settled.status is not SendStatus.PENDING:
        await replay(ctx, send, settled)


def zones_of(ctx: SendContext, entry: DirectoryEntry | None) -> tuple[str, ...]:
    """The debtor's zones; before the directory knows them, the packs' default zones."""
    if entry is not None:
        return entry.timezones
    return tuple(dict.fromkeys(p.default_timezone for p in ctx.packs)) or ("Asia/Shanghai",)


def ticket_of(send: Send, now: datetime, entry: DirectoryEntry | None) -> GateTicket:
    address = entry.address(send.channel) if entry else None
    request = send.request
    return GateTicket(
        key=send.key,
        debtor_id=request.debtor_id,
        debt_id=request.loan_id,
        channel=send.channel,
        contact_point=contact_point_id(send.channel, address) if address else "",
        at=now,
        request=request.model_dump_json().encode(),
        episode=request.episode,
        purpose=request.purpose,
    )


async def _ready(
    ctx: SendContext, send: Send, ticket: GateTicket, entry: DirectoryEntry | None
) -> bool:
    """Whether the send can go to the gate now; if not, what became of it is recorded: no
    longer true (withdrawn), no channel (blocked), no contact point yet (held)."""
    channel = send.channel
    stale = stale_reason(send.request, local_today(ticket.at, zones_of(ctx, entry)))
    if stale is not None:
        if await ctx.store.withdraw_send(ticket):
            await record_stopped(ctx, send, "send_withdrawn", "withdrawn", stale)
        return False
    if ctx.channels.get(channel) is None:
        await record_blocked(ctx, send, f"{channel} is not configured")
        return False
    if entry is None or entry.address(channel) is None:
        await _hold(ctx, send, ticket, f"no {channel} contact point yet")
        return False
    if await bounced(ctx.store, entry, channel):  # a data gap: held and alerted, not sent
        await _hold(ctx, send, ticket, f"the {channel} address bounced: undeliverable")
        return False
    return True


async def _hold(ctx: SendContext, send: Send, ticket: GateTicket, why: str) -> None:
    """Wait for the contact point (re-checked, and at once when details arrive); block only
    after the longest hold."""
    until = ticket.at + ctx.hold_recheck
    try:
        held = await ctx.store.hold(ticket, until=until, reason=HOLD_CONTACT_POINT)
    except AlreadyDecided:
        return  # withdrawn (or decided) meanwhile
    since = held.held_since or ticket.at
    if ticket.at - since >= ctx.max_hold:
        # Blocked and recorded, but parked, not forgotten: an operator who fixed the data
        # re-drives it through the gate (``dunwell notifier redrive``).
        await ctx.store.hold(ticket, until=PARKED, reason=HOLD_EXPIRED)
        hours = ctx.max_hold.total_seconds() / 3600
        await record_blocked(ctx, send, f"{why} after {hours:.0f} hours")
        return
    await record_stopped(ctx, send, "send_held", "held", why)
