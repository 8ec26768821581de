"""A consumed batch of contact requests, sent as the requests one by one would be, in few
transactions.

Per batch: one read (ledger, directory, bounces); one **claim** transaction before any
provider is called (every request's supersede, then each send judged in order, the batch's own
reservations counted); the provider calls side by side (at most ``concurrency``), each noting
its provider first (group-committed with the others) and each judged again at the clock of its
call (a window that closed meanwhile defers it: it is not sent); one **settle** transaction;
then the interactions, published side by side. A send off the common path (in the ledger
already, no longer true, no channel, no contact point, bounced, no template, the gate's answer
changed) goes the one-by-one way (:func:`send_on_channel`), after the claim.

A crash after the claim leaves the batch's sends PENDING, each with its provider noted once it
was called: the redelivered batch recovers them (:mod:`.recovery`), never resends blindly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from services.notifier.domain.batch import Claim, Claimed, Lookup, Settlement, Supersede
from services.notifier.domain.freshness import local_today, stale_reason
from services.notifier.domain.interactions import sent
from services.notifier.domain.model import (
    DeliveryUncertain,
    DirectoryEntry,
    GateFacts,
    SendLater,
    SendStatus,
)
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.sends import Delivery, Send, contact_point_id
from services.notifier.domain.templates import RenderFailed, TemplateMissing
from services.notifier.handlers.context import DeliveryExhausted, SendContext
from services.notifier.handlers.delivery import send_later
from services.notifier.handlers.email_unsubscribe import with_list_headers
from services.notifier.handlers.grouping import Grouped, Settles
from services.notifier.handlers.outcomes import (
    publish,
    record_gated,
    record_stopped,
    settle_uncertain,
)
from services.notifier.handlers.sending import (
    decided_elsewhere,
    judge_for,
    send_on_channel,
    ticket_of,
    zones_of,
)
from services.notifier.handlers.withdrawals import record_withdrawn
from services.notifier.ports import ChannelClient
from shared.errors import PermanentError, RetryableError
from shared.events import ContactRequested, derived_event_id

#: What is done once the batch's settle is durable (an interaction published).
After = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Lanes:
    """What every batch of a process shares."""

    ctx: SendContext
    #: Provider calls under way at once, across batches.
    calls: asyncio.Semaphore
    #: Providers noted before their calls, group-committed.
    attempts: Grouped[tuple[str, str], None]
    #: Batches between claim and settle (receipts that overtook their send wait for it).
    settles: Settles


@dataclass(frozen=True)
class Ready:
    """A send on the common path: addressed, rendered, ready for the claim."""

    send: Delivery
    entry: DirectoryEntry
    client: ChannelClient
    claim: Claim


class Batch:
    """One round: distinct debtors' requests, claimed, called and settled together."""

    def __init__(self, lanes: Lanes, requests: list[ContactRequested]) -> None:
        self._lanes = lanes
        self._ctx = lanes.ctx
        self._requests = requests
        self._settled: list[Settlement] = []
        self._after: list[After] = []

    async def run(self) -> list[BaseException | None]:
        ctx, requests = self._ctx, self._requests
        sends = [[Send.of(r, c, ctx.verification_secret) for c in r.channels] for r in requests]
        keys = [s.key for group in sends for s in group]
        found = await ctx.store.lookup(keys, {r.debtor_id for r in requests})
        ready = [[self._ready(s, found) for s in group] for group in sends]
        claims = [p.claim for group in ready for p in group if p is not None]
        claimed = await ctx.store.claim([_supersede(r, ctx) for r in requests], claims)
        self._lanes.settles.begun()
        try:
            outcomes = await self._calls(requests, sends, ready, claimed)
            await ctx.store.settle_many(self._settled)
        finally:
            self._lanes.settles.ended()
        await asyncio.gather(*(after() for after in self._after))
        self._lanes.settles.wake.set()
        bugs = [
            o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, Exception)
        ]
        if bugs:
            raise bugs[0]
        return [o if isinstance(o, BaseException) else None for o in outcomes]

    async def _calls(
        self,
        requests: list[ContactRequested],
        sends: list[list[Send]],
        ready: list[list[Ready | None]],
        claimed: Claimed,
    ) -> list[BaseException | None]:
        """What the claim withdrew recorded; then each request's sends, side by side."""
        ctx = self._ctx
        decisions = iter(claimed.decisions)
        judged = [[(p, next(decisions) if p else None) for p in group] for group in ready]
        for request, gone in zip(requests, claimed.withdrawn, strict=True):
            await record_withdrawn(ctx, gone, f"superseded by request {request.event_id}")
        return await asyncio.gather(
            *(self._finish(g, j) for g, j in zip(sends, judged, strict=True)),
            return_exceptions=True,
        )

    def _ready(self, send: Send, found: Lookup) -> Ready | None:
        """The send on the common path, or None: it goes the one-by-one way after the claim."""
        ctx, request, channel = self._ctx, send.request, send.channel
        entry = found.directory.get(request.debtor_id)
        client = ctx.channels.get(channel)
        address = entry.address(channel) if entry else None
        if send.key in found.ledger or entry is None or address is None or client is None:
            return None
        point = contact_point_id(channel, address)
        if channel == "email" and point in found.undeliverable.get(request.debtor_id, ()):
            return None
        ticket = replace(ticket_of(send, ctx.clock(), entry), contact_point=point)
        if stale_reason(request, local_today(ticket.at, zones_of(ctx, entry))) is not None:
            return None
        try:
            message = ctx.templates.render(
                request, channel, entry.locale, ctx.institution, send.code, ctx.wechat_message
            )
        except (TemplateMissing, RenderFailed):
            return None
        message = with_list_headers(ctx.unsubscribe, request.debtor_id, channel, message, ticket.at)
        delivery = send.addressed(address, message)
        judge = judge_for(ctx, delivery, entry, ticket.at)
        return Ready(delivery, entry, client, Claim(ticket, judge))

    async def _finish(
        self,
        sends: list[Send],
        judged: list[tuple[Ready | None, tuple[Decision, GateFacts] | None]],
    ) -> None:
        """One request's sends, in channel order, as :func:`send_contact_request` does."""
        exhausted: list[str] = []
        for send, (ready, outcome) in zip(sends, judged, strict=True):
            try:
                await self._one(send, ready, outcome)
            except DeliveryExhausted as e:
                exhausted.append(f"{send.channel}: {e}")
        if exhausted:
            raise DeliveryExhausted("; ".join(exhausted))

    async def _one(
        self, send: Send, ready: Ready | None, outcome: tuple[Decision, GateFacts] | None
    ) -> None:
        ctx = self._ctx
        if ready is None:
            await send_on_channel(send.request, send.channel, ctx)
            return
        if outcome is None:
            await decided_elsewhere(ctx, send)
            return
        decision, facts = outcome
        ctx.observer.decided(send.channel, decision)
        if decision.outcome is not Outcome.ALLOW:
            await record_gated(ctx, ready.send, decision)
            return
        async with self._lanes.calls:
            await self._call(ready, decision, facts)

    async def _call(self, ready: Ready, decision: Decision, facts: GateFacts) -> None:
        """Hand the send over, unless the gate's answer changed at the clock of the call."""
        ctx, send, ticket = self._ctx, ready.send, ready.claim.ticket
        now = ctx.clock()
        if now != ticket.at and judge_for(ctx, send, ready.entry, now)(facts).outcome is not (
            Outcome.ALLOW
        ):
            await ctx.store.release(send.key)  # never called: judged afresh, at this time
            await send_on_channel(send.request, send.channel, ctx)
            return
        try:
            provider, provider_id = await self._handed(ready)
        except SendLater as e:
            await send_later(ctx, send, ticket, decision, e)
            return
        except RetryableError as e:
            await ctx.store.release(send.key)
            await record_stopped(ctx, send, "send_failed", "exhausted", f"gave up: {e}")
            raise DeliveryExhausted(str(e)) from e
        except DeliveryUncertain as e:
            await settle_uncertain(ctx, send, str(e))
            return
        except PermanentError as e:
            self._settle(Settlement(send.key, SendStatus.FAILED), _stopped(ctx, send, str(e)))
            return
        settlement = Settlement(send.key, SendStatus.SENT, provider_id, provider)
        self._settle(settlement, _sent(ctx, send, decision, provider, provider_id))

    async def _handed(self, ready: Ready) -> tuple[str, str]:
        send, marks = ready.send, self._lanes.attempts

        async def attempting(provider: str) -> None:
            await marks.submit((send.key, provider))

        with self._ctx.observer.provider_time(send.channel):
            return await ready.client.send(
                send.address,
                send.message,
                key=send.key,
                message_id=str(derived_event_id(send.key)),
                attempting=attempting,
            )

    def _settle(self, settlement: Settlement, after: After) -> None:
        self._settled.append(settlement)
        self._after.append(after)


def _supersede(request: ContactRequested, ctx: SendContext) -> Supersede:
    why = f"superseded by request {request.event_id}"
    return Supersede(
        request.debtor_id, request.loan_id, request.purpose, request.event_id, ctx.clock(), why
    )


def _sent(ctx: SendContext, send: Delivery, decision: Decision, provider: str, pid: str) -> After:
    async def after() -> None:
        ctx.observer.counted(send.channel, "sent")
        await publish(ctx, sent(send, decision, ctx.clock(), provider, pid))

    return after


def _stopped(ctx: SendContext, send: Delivery, reason: str) -> After:
    async def after() -> None:
        await record_stopped(ctx, send, "send_failed", "failed", reason)

    return after
