"""What a provider callback does, whoever the provider: receipts and replies, each taken once.

The provider's plug has already authenticated and parsed the callback (see
:mod:`services.notifier.domain.inbound`); repeats and replays change nothing and are counted.
Processing is quick, so providers get their answer in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from services.notifier.domain.freshness import local_today
from services.notifier.domain.inbound import Receipt, Reply
from services.notifier.domain.replies import Understood, understand
from services.notifier.domain.sends import contact_point_id
from services.notifier.handlers.callback_context import CallbackContext as CallbackContext
from services.notifier.handlers.receipts import first_time, take_receipts
from services.notifier.metrics import CALLBACKS_RECEIVED, labelled
from shared.events import BorrowerReplied, InteractionRecorded, derived_event_id


async def take_reply(ctx: CallbackContext, provider: str, reply: Reply) -> None:
    """A borrower's reply: opt-outs take effect at once; every reply goes to the scheduler."""
    if not await first_time(ctx, f"{provider}:reply:{reply.dedupe}"):
        labelled(CALLBACKS_RECEIVED, provider, "duplicate").inc()
        return
    debtor = await ctx.store.find_debtor(contact_point_id(reply.channel, reply.address))
    if debtor is None:
        labelled(CALLBACKS_RECEIVED, provider, "unknown").inc()
        return
    labelled(CALLBACKS_RECEIVED, provider, "accepted").inc()
    await answer_reply(ctx, provider, reply, debtor)


async def answer_reply(ctx: CallbackContext, provider: str, reply: Reply, debtor: str) -> None:
    """A reply whose debtor is known (SMS, WeChat, email alike): understood, acted on, sent on."""
    now = ctx.clock()
    entry = await ctx.store.get(debtor)
    zones = entry.timezones if entry else tuple(p.default_timezone for p in ctx.packs)
    understood = understand(reply.text, reply.channel, ctx.packs, local_today(now, zones))
    if understood.intent == "opt_out":
        await ctx.store.record_opt_out(debtor, reply.channel, now)
    elif understood.intent == "stop_calling":  # "请不要再打电话": a voice opt-out
        await ctx.store.record_opt_out(debtor, "voice", now)
    await publish_reply(ctx, provider, reply, debtor, understood, now)


async def publish_reply(
    ctx: CallbackContext,
    provider: str,
    reply: Reply,
    debtor: str,
    understood: Understood,
    now: datetime,
) -> None:
    """The reply for the scheduler (by the debtor: a reply with no known loan is kept and
    routed all the same), and the interaction for the evidence log."""
    loan = await ctx.store.latest_loan(debtor)
    event_id = derived_event_id(provider, "reply", reply.dedupe)
    intent = understood.intent
    await ctx.publisher.publish(
        ctx.replies_topic,
        BorrowerReplied(
            event_id=event_id,
            occurred_at=now,
            debtor_id=debtor,
            loan_id=loan,
            channel=reply.channel,
            intent=intent,
            promised_amount=understood.promise_amount,
            promised_by=understood.promise_date,
            text=kept_words(reply.text),
        ),
    )
    await ctx.publisher.publish(
        ctx.interactions_topic,
        _reply_interaction(event_id, provider, reply, debtor, understood, loan, now),
    )


#: Characters of a reply kept (a long email's first part); BorrowerReplied takes no more.
REPLY_TEXT_MAX: Final = 2000


def kept_words(text: str) -> str | None:
    """The reply's words as the evidence log keeps them (encrypted, erasable with the debtor's
    key, so a person can read what the classifier could not; never logged): at most
    :data:`REPLY_TEXT_MAX` characters, a cut one marked, none for an empty reply."""
    words = text.strip()
    if len(words) <= REPLY_TEXT_MAX:
        return words or None
    return words[: REPLY_TEXT_MAX - 1] + "…"


def _reply_interaction(
    event_id: str,
    provider: str,
    reply: Reply,
    debtor: str,
    understood: Understood,
    loan: str | None,
    now: datetime,
) -> InteractionRecorded:
    """The reply as evidence: what it was understood as and what decided it (a cue's name,
    "model", "no cue"; never its text)."""
    terms = understood.public()
    noted = [f"{k}: {v}" for k, v in terms.items() if v] + [f"read by: {understood.by}"]
    return InteractionRecorded(
        event_id=derived_event_id(event_id, "interaction"),
        occurred_at=now,
        debtor_id=debtor,
        loan_id=loan,
        channel=reply.channel,
        kind="reply_received",
        provider=provider,
        reason="; ".join(noted if loan else [*noted, "no known loan"]),
    )


async def take_callback(
    ctx: CallbackContext, provider: str, items: Sequence[Receipt | Reply]
) -> int:
    """Take every receipt (the list at once: :func:`take_receipts`) and every reply in order;
    how many receipts came too early to tell (the provider is asked to send those again)."""
    receipts = [item for item in items if isinstance(item, Receipt)]
    early = await take_receipts(ctx, provider, receipts) if receipts else 0
    for item in items:
        if isinstance(item, Reply):
            await take_reply(ctx, provider, item)
    return early
