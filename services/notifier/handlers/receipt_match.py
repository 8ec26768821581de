"""A receipt for a send whose provider id the ledger never learned, matched by its recipient.

WeChat's send-finished push names the follower it went to. When the ledger has no send with
that MsgID, the push may belong to a send left UNCERTAIN (the provider's answer was lost) or to
a subscribe message (WeChat answers those without an id). If exactly one such send to that
borrower on that channel was claimed within :data:`WINDOW` (and none is still being sent,
which could be the one), the receipt is that send's: an
uncertain send is settled (SENT, and recorded as sent with its verification code, or FAILED),
and from then on the ledger knows it by the provider's id. More than one candidate is never
guessed between: the receipt stays unmatched and the send uncertain, for a person.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from services.notifier.domain.inbound import Receipt
from services.notifier.domain.model import SendStatus, SentMessage
from services.notifier.domain.sends import contact_point_id, verification_code
from services.notifier.handlers.callback_context import CallbackContext
from shared.events import InteractionRecorded, derived_event_id

log = logging.getLogger(__name__)
#: How long after its claim a send may still be matched by its recipient.
WINDOW: Final = timedelta(days=1)


async def match_by_recipient(
    ctx: CallbackContext, provider: str, receipt: Receipt
) -> SentMessage | None:
    """The one unnamed send ``receipt`` can belong to, settled with the provider's id."""
    if receipt.recipient is None or not receipt.ids or not receipt.ids[0]:
        return None
    channel, address = receipt.recipient
    debtor = await ctx.store.find_debtor(contact_point_id(channel, address))
    if debtor is None:
        return None
    since = ctx.clock() - WINDOW
    candidates = [
        c
        for c in await ctx.store.unnamed_sends(debtor, channel)
        if c.claimed_at is None or c.claimed_at >= since
    ]
    if any(c.status is SendStatus.PENDING for c in candidates):
        return None  # a send in flight may be the one: too early to tell (asked again later)
    if len(candidates) != 1:
        if candidates:
            log.warning("receipt matches %d sends; left to a person", len(candidates))
        return None
    [sent] = candidates
    status = SendStatus.FAILED if receipt.failed else SendStatus.SENT
    await ctx.store.settle(sent.key, status, receipt.ids[0], provider)
    if sent.status is SendStatus.UNCERTAIN:
        await ctx.publisher.publish(ctx.interactions_topic, _settled(ctx, provider, receipt, sent))
    return sent


def _settled(
    ctx: CallbackContext, provider: str, receipt: Receipt, sent: SentMessage
) -> InteractionRecorded:
    """What an uncertain send turned out to be: sent (with its code) or failed."""
    request_id = sent.key.rpartition("|")[0]
    kind = "send_failed" if receipt.failed else "message_sent"
    secret = ctx.verification_secret
    code = verification_code(secret, request_id, sent.channel) if secret else None
    return InteractionRecorded(
        event_id=derived_event_id(request_id, sent.channel, kind),
        occurred_at=ctx.clock(),
        debtor_id=sent.debtor_id,
        loan_id=sent.loan_id,
        request_id=request_id,
        channel=sent.channel,
        kind=kind,
        provider=provider,
        provider_message_id=receipt.ids[0][:256],
        verification_code=None if receipt.failed else code,
        reason=f"uncertain send settled by the provider's receipt: {receipt.status}"[:500],
    )
