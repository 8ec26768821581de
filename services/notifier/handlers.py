"""The notifier's use cases: keep the directory current; send each (request, channel) once,
through the compliance gate, with every outcome recorded as an interaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.notifier.channels.errors import SendLater
from services.notifier.domain import (
    contact_point_id,
    gate_scenario,
    send_key,
    verification_code,
)
from services.notifier.metrics import GATE_DECISIONS, GATE_RULES, MESSAGES, PROVIDER_SECONDS
from services.notifier.policy.engine import evaluate
from services.notifier.policy.pack import Pack
from services.notifier.policy.scenario import Consent, Decision, Outcome
from services.notifier.ports import (
    AlreadyDecided,
    ChannelClient,
    DeliveryUncertain,
    DirectoryEntry,
    GateFacts,
    GateTicket,
    LedgerEntry,
    NotifierStore,
    SendStatus,
)
from services.notifier.templates import (
    Institution,
    Rendered,
    RenderFailed,
    TemplateMissing,
    TemplateRegistry,
)
from shared.errors import PermanentError, RetryableError
from shared.events import (
    Channel,
    ContactDetailsChanged,
    ContactRequested,
    InteractionKind,
    InteractionRecorded,
    derived_event_id,
)
from shared.kafka import EventPublisher

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


async def record_contact_details(event: ContactDetailsChanged, *, store: NotifierStore) -> None:
    """Keep the directory current; an older event never overwrites a newer one."""
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


async def send_contact_request(request: ContactRequested, ctx: SendContext) -> None:
    """Send ``request`` on each of its channels, at most once each."""
    exhausted: list[str] = []
    for channel in request.channels:
        try:
            await send_on_channel(request, channel, ctx)
        except DeliveryExhausted as e:
            exhausted.append(f"{channel}: {e}")
    if exhausted:
        raise DeliveryExhausted("; ".join(exhausted))


async def send_on_channel(request: ContactRequested, channel: Channel, ctx: SendContext) -> None:
    """One (request, channel): replay a settled send, or gate it and deliver it.

    The ledger row is written in the same transaction as the gate's reservation, before the
    provider is called. A row found PENDING means an earlier attempt may have reached the
    provider: it is marked UNCERTAIN, never resent blindly.
    """
    key = send_key(request.event_id, channel)
    code = verification_code(ctx.verification_secret, request.event_id, channel)
    existing = await ctx.store.entry(key)
    if existing is not None and await _replay(ctx, request, channel, existing, code):
        return
    entry = await ctx.store.get(request.debtor_id)
    address = entry.address(channel) if entry else None
    client = ctx.channels.get(channel)
    if entry is None or address is None or client is None:
        why = f"{channel} is not configured" if address else f"no {channel} contact point"
        await _blocked(ctx, request, channel, why)
        return
    try:
        message = ctx.templates.render(request, channel, entry.locale, ctx.institution, code)
    except (TemplateMissing, RenderFailed) as e:
        await _blocked(ctx, request, channel, str(e))
        return
    now = ctx.clock()

    def judge(facts: GateFacts) -> Decision:
        scenario = gate_scenario(
            request, channel, entry, facts, message, institution=ctx.institution, code=code, now=now
        )
        return evaluate(ctx.packs, scenario)

    ticket = GateTicket(
        key=key,
        debtor_id=request.debtor_id,
        debt_id=request.loan_id,
        channel=channel,
        contact_point=contact_point_id(channel, address),
        at=now,
        request=request.model_dump_json().encode(),
    )
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
        # The provider's quota is spent: give the slot back and keep the send for later.
        await ctx.store.release(key)
        later = Decision(
            outcome=Outcome.DEFER,
            until=e.until,
            rules=["PROVIDER-QUOTA"],
            reasons=[str(e)],
            packs=decision.packs,
        )
        await ctx.store.decide(ticket, lambda _: later)
        await _gated(ctx, request, channel, later, message)


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
