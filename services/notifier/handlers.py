"""The notifier's use cases: keep the directory current; send each (request, channel) once,
through the compliance gate, with every outcome recorded as an interaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from services.notifier.domain.freshness import local_today, stale_reason
from services.notifier.domain.model import (
    HOLD_CONTACT_POINT,
    HOLD_EXPIRED,
    PARKED,
    AlreadyDecided,
    Deferral,
    DeliveryUncertain,
    DirectoryEntry,
    GateFacts,
    GateTicket,
    LedgerEntry,
    SendLater,
    SendStatus,
)
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.policy.scenario import Consent, Decision, Outcome
from services.notifier.domain.sends import (
    contact_point_id,
    gate_scenario,
    send_key,
    verification_code,
)
from services.notifier.domain.templates import (
    Institution,
    Rendered,
    RenderFailed,
    TemplateMissing,
    TemplateRegistry,
)
from services.notifier.metrics import GATE_DECISIONS, GATE_RULES, MESSAGES, PROVIDER_SECONDS
from services.notifier.ports import ChannelClient, NotifierStore
from shared.errors import PermanentError, RetryableError
from shared.events import (
    Channel,
    ContactDetailsChanged,
    ContactRequested,
    ContactWithdrawn,
    InteractionKind,
    InteractionRecorded,
    derived_event_id,
)
from shared.ports import EventPublisher

log = logging.getLogger(__name__)


class DeliveryExhausted(PermanentError):
    """A channel kept failing transiently after every retry and failover: dead-letter it."""

    reason_code = "delivery_exhausted"


@dataclass(frozen=True)
class SendContext:
    """What sending needs, wired once by the composition root."""

    store: NotifierStore
    channels: Mapping[Channel, ChannelClient]
    templates: TemplateRegistry
    packs: Sequence[Pack]
    publisher: EventPublisher
    interactions_topic: str
    institution: Institution
    verification_secret: bytes
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    #: A send waiting for its contact point is re-checked this often, and blocked after the
    #: longest hold (a data gap holds and alerts; it never blocks at once, nor for ever).
    hold_recheck: timedelta = timedelta(hours=1)
    max_hold: timedelta = timedelta(days=3)


async def record_contact_details(event: ContactDetailsChanged, *, store: NotifierStore) -> None:
    """Keep the directory current (an older event never overwrites a newer one), and let the
    debtor's sends that waited for these details go now."""
    entry = DirectoryEntry(
        debtor_id=event.debtor_id,
        email=event.email,
        mobile=event.mobile,
        wechat_openid=event.wechat_openid,
        locale=event.locale,
        timezones=(event.timezone, *event.other_timezones),
        role=event.role,
        provenance=event.provenance,
        consents=tuple(
            Consent(channel=c.channel, until=c.until, evidence=c.evidence) for c in event.consents
        ),
        verified=event.verified,
    )
    await store.upsert(entry, as_of=event.occurred_at)
    await store.release_holds(event.debtor_id)


async def withdraw_contacts(event: ContactWithdrawn, ctx: SendContext) -> None:
    """The scheduler withdrew the loan's earlier requests: none of their waiting sends goes."""
    withdrawn = await ctx.store.withdraw(
        event.debtor_id, event.loan_id, episode=event.episode, at=ctx.clock()
    )
    await _record_withdrawn(ctx, withdrawn, f"withdrawn by the scheduler: {event.reason}")


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
    await _record_withdrawn(ctx, superseded, f"superseded by request {request.event_id}")
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
    goes (at once, or after a deferral, a hold, a re-drive), what it says must still be true.

    The ledger row is written in the same transaction as the gate's reservation, before the
    provider is called. A row found PENDING means an earlier attempt may have reached the
    provider: it is marked UNCERTAIN, never resent blindly.
    """
    key = send_key(request.event_id, channel)
    code = verification_code(ctx.verification_secret, request.event_id, channel)
    existing = await ctx.store.entry(key)
    if existing is not None and await _replay(ctx, request, channel, existing, code):
        return
    now = ctx.clock()
    entry = await ctx.store.get(request.debtor_id)
    ticket = _ticket(request, channel, key, now, entry)
    if not await _ready(ctx, request, ticket, entry):
        return
    address = entry.address(channel) if entry else None
    client = ctx.channels.get(channel)
    if entry is None or address is None or client is None:
        return  # (_ready has recorded why)
    try:
        message = ctx.templates.render(request, channel, entry.locale, ctx.institution, code)
    except (TemplateMissing, RenderFailed) as e:
        await _blocked(ctx, request, channel, str(e))
        return

    def judge(facts: GateFacts) -> Decision:
        scenario = gate_scenario(
            request, channel, entry, facts, message, institution=ctx.institution, code=code, now=now
        )
        return evaluate(ctx.packs, scenario)

    ticket = replace(ticket, contact_point=contact_point_id(channel, address))
    try:
        decision = await ctx.store.decide(ticket, judge)
    except AlreadyDecided:
        settled = await ctx.store.entry(key)
        if settled is not None and settled.status is not SendStatus.PENDING:
            await _replay(ctx, request, channel, settled, code)
        return  # another worker holds the claim and is sending it now
    GATE_DECISIONS.labels(channel, decision.outcome.value.lower()).inc()
    if decision.outcome is not Outcome.ALLOW:
        await _gated(ctx, request, channel, decision, message)
        return
    try:
        await _deliver(ctx, request, channel, client, address, message, key, code, decision)
    except SendLater as e:
        await _send_later(ctx, request, ticket, decision, message, e)


async def _send_later(
    ctx: SendContext,
    request: ContactRequested,
    ticket: GateTicket,
    decision: Decision,
    message: Rendered,
    quota: SendLater,
) -> None:
    """The provider's quota is spent: give the slot back and keep the send for later."""
    await ctx.store.release(ticket.key)
    later = Decision(
        outcome=Outcome.DEFER,
        until=quota.until,
        rules=["PROVIDER-QUOTA"],
        reasons=[str(quota)],
        packs=decision.packs,
    )
    try:
        await ctx.store.decide(ticket, lambda _: later)
    except AlreadyDecided:
        return  # withdrawn meanwhile: it stays unsent
    await _gated(ctx, request, ticket.channel, later, message)


def _zones(ctx: SendContext, entry: DirectoryEntry | None) -> tuple[str, ...]:
    """The debtor's zones; before the directory knows them, the packs' default zones."""
    if entry is not None:
        return entry.timezones
    return tuple(dict.fromkeys(p.default_timezone for p in ctx.packs)) or ("Asia/Shanghai",)


def _ticket(
    request: ContactRequested,
    channel: Channel,
    key: str,
    now: datetime,
    entry: DirectoryEntry | None,
) -> GateTicket:
    address = entry.address(channel) if entry else None
    return GateTicket(
        key=key,
        debtor_id=request.debtor_id,
        debt_id=request.loan_id,
        channel=channel,
        contact_point=contact_point_id(channel, address) if address else "",
        at=now,
        request=request.model_dump_json().encode(),
        episode=request.episode,
        purpose=request.purpose,
    )


async def _ready(
    ctx: SendContext,
    request: ContactRequested,
    ticket: GateTicket,
    entry: DirectoryEntry | None,
) -> bool:
    """Whether the send can go to the gate now; if not, what became of it is recorded: no
    longer true (withdrawn), no channel (blocked), no contact point yet (held)."""
    channel = ticket.channel
    stale = stale_reason(request, local_today(ticket.at, _zones(ctx, entry)))
    if stale is not None:
        if await ctx.store.withdraw_send(ticket):
            MESSAGES.labels(channel, "withdrawn").inc()
            await _record(ctx, request, channel, "send_withdrawn", reason=stale)
        return False
    if ctx.channels.get(channel) is None:
        await _blocked(ctx, request, channel, f"{channel} is not configured")
        return False
    if entry is None or entry.address(channel) is None:
        await _hold(ctx, request, ticket, f"no {channel} contact point yet")
        return False
    return True


async def _hold(ctx: SendContext, request: ContactRequested, ticket: GateTicket, why: str) -> None:
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
        await _blocked(ctx, request, ticket.channel, f"{why} after {hours:.0f} hours")
        return
    MESSAGES.labels(ticket.channel, "held").inc()
    await _record(ctx, request, ticket.channel, "send_held", reason=why)


async def _record_withdrawn(ctx: SendContext, sends: list[Deferral], reason: str) -> None:
    for send in sends:
        request = ContactRequested.model_validate_json(send.request)
        MESSAGES.labels(send.channel, "withdrawn").inc()
        await _record(ctx, request, send.channel, "send_withdrawn", reason=reason[:500])


async def _deliver(
    ctx: SendContext,
    request: ContactRequested,
    channel: Channel,
    client: ChannelClient,
    address: str,
    message: Rendered,
    key: str,
    code: str,
    decision: Decision,
) -> None:
    message_id = str(derived_event_id(key))

    async def attempting(provider: str) -> None:
        await ctx.store.mark_attempt(key, provider)

    try:
        with PROVIDER_SECONDS.labels(channel).time():
            provider, provider_id = await client.send(
                address, message, key=key, message_id=message_id, attempting=attempting
            )
    except RetryableError as e:
        await ctx.store.release(key)
        MESSAGES.labels(channel, "exhausted").inc()
        await _record(ctx, request, channel, "send_failed", reason=f"gave up: {e}")
        raise DeliveryExhausted(str(e)) from e
    except DeliveryUncertain as e:
        await _uncertain(ctx, request, channel, key, str(e))
        return
    except PermanentError as e:
        await ctx.store.settle(key, SendStatus.FAILED)
        MESSAGES.labels(channel, "failed").inc()
        await _record(ctx, request, channel, "send_failed", reason=str(e))
        return
    await ctx.store.settle(key, SendStatus.SENT, provider_id, provider)
    MESSAGES.labels(channel, "sent").inc()
    await _record(
        ctx,
        request,
        channel,
        "message_sent",
        provider=provider,
        provider_message_id=provider_id,
        code=code,
        decision=decision,
        message=message,
    )


#: What a gate decision that stops a send is recorded as (its metric outcome drops "send_").
_GATED: dict[Outcome, InteractionKind] = {
    Outcome.DEFER: "send_deferred",
    Outcome.BLOCK: "send_blocked",
    Outcome.ESCALATE: "send_escalated",
}


async def _gated(
    ctx: SendContext,
    request: ContactRequested,
    channel: Channel,
    decision: Decision,
    message: Rendered,
) -> None:
    kind = _GATED[decision.outcome]
    MESSAGES.labels(channel, kind.removeprefix("send_")).inc()
    for rule in decision.rules:
        GATE_RULES.labels(rule).inc()
    await _record(
        ctx,
        request,
        channel,
        kind,
        reason="; ".join(decision.reasons)[:500],
        decision=decision,
        message=message,
    )


async def _blocked(ctx: SendContext, request: ContactRequested, channel: Channel, why: str) -> None:
    MESSAGES.labels(channel, "blocked").inc()
    await _record(ctx, request, channel, "send_blocked", reason=why)


async def _replay(
    ctx: SendContext, request: ContactRequested, channel: Channel, entry: LedgerEntry, code: str
) -> bool:
    """Answer a redelivered request from the ledger; False when it should be sent after all."""
    if entry.status is SendStatus.PENDING:
        return await _recover(ctx, request, channel, entry, code)
    MESSAGES.labels(channel, "duplicate").inc()
    if entry.status is SendStatus.SENT:
        await _record_sent(ctx, request, channel, entry.provider, entry.provider_message_id, code)
    return True


async def _recover(
    ctx: SendContext, request: ContactRequested, channel: Channel, entry: LedgerEntry, code: str
) -> bool:
    """A send found PENDING after a crash between the provider call and the ledger update.

    No provider noted: none was called, so the claim is dropped and the send goes through the
    gate again. A provider noted: it is asked (by our out-id) whether it has the message; if it
    has, the send is SENT; if it certainly has not, the send goes through the gate again; if it
    cannot be asked, the send is UNCERTAIN and a person reconciles it. Never a blind resend.
    """
    if entry.provider is None:
        await ctx.store.release(entry.key)
        return False
    directory = await ctx.store.get(request.debtor_id)
    address = directory.address(channel) if directory else None
    client = ctx.channels.get(channel)
    try:
        if client is None or address is None:
            raise DeliveryUncertain(f"cannot ask {entry.provider}: channel or address gone")
        found = await client.reconcile(entry.provider, address, key=entry.key)
    except DeliveryUncertain as e:
        await _uncertain(ctx, request, channel, entry.key, f"found pending after a restart; {e}")
        return True
    if found is None:
        await ctx.store.release(entry.key)
        return False
    await ctx.store.settle(entry.key, SendStatus.SENT, found, entry.provider)
    MESSAGES.labels(channel, "reconciled").inc()
    await _record_sent(ctx, request, channel, entry.provider, found, code)
    return True


async def _record_sent(
    ctx: SendContext,
    request: ContactRequested,
    channel: Channel,
    provider: str | None,
    provider_message_id: str | None,
    code: str,
) -> None:
    await _record(
        ctx,
        request,
        channel,
        "message_sent",
        provider=provider,
        provider_message_id=provider_message_id,
        code=code,
    )


async def _uncertain(
    ctx: SendContext, request: ContactRequested, channel: Channel, key: str, reason: str
) -> None:
    log.warning("send outcome uncertain; not resending", extra={"request_id": request.event_id})
    await ctx.store.settle(key, SendStatus.UNCERTAIN)
    MESSAGES.labels(channel, "uncertain").inc()
    await _record(ctx, request, channel, "send_uncertain", reason=reason)


async def _record(
    ctx: SendContext,
    request: ContactRequested,
    channel: Channel,
    kind: InteractionKind,
    *,
    reason: str | None = None,
    provider: str | None = None,
    provider_message_id: str | None = None,
    code: str | None = None,
    decision: Decision | None = None,
    message: Rendered | None = None,
) -> None:
    until = decision.until if decision else None
    interaction = InteractionRecorded(
        event_id=derived_event_id(
            request.event_id, channel, kind, *([until.isoformat()] if until else [])
        ),
        occurred_at=ctx.clock(),
        debtor_id=request.debtor_id,
        loan_id=request.loan_id,
        request_id=request.event_id,
        channel=channel,
        kind=kind,
        provider=provider,
        provider_message_id=provider_message_id,
        verification_code=code,
        account_masked=request.account_masked,
        reason=reason,
        policy_pack=",".join(decision.packs)[:200] if decision else None,
        rules=tuple(decision.rules) if decision else (),
        deferred_until=until,
        content_sha256=message.sha256 if message else None,
        template=message.template if message else None,
    )
    await ctx.publisher.publish(ctx.interactions_topic, interaction)
