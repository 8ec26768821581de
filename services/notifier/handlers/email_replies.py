"""Mail at the reply address: a borrower's reply takes the same path as an SMS reply.

In order: a DKIM check when the bank requires it (a failure is refused and kept), a DSN to
:mod:`.email_bounces`, an automatic answer counted and kept, and a reply from a directory
contact point understood and acted on like any reply (opt-out, promise, extension, …). What
no path takes (an unknown sender, an unmatched bounce, unreadable mail) is kept whole for a
person and counted, never dropped. No address is logged or labelled.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from services.notifier.domain.email_inbound import (
    ArrivedMail,
    InboundMail,
    KeptMail,
    MailUnreadable,
    read_mail,
)
from services.notifier.domain.inbound import Reply
from services.notifier.domain.sends import contact_point_id
from services.notifier.handlers.callbacks import answer_reply
from services.notifier.handlers.email_bounces import PROVIDER, MailContext, take_report
from services.notifier.metrics import INBOUND_MAIL
from services.notifier.ports import DkimCheck


class Taken(enum.Enum):
    """What became of a message: the SMTP listener answers 250, or 550 for ``REFUSED``."""

    REPLY = "reply"
    REPORT = "report"
    KEPT = "kept"
    REFUSED = "refused"


@dataclass(frozen=True)
class InboundMailContext(MailContext):
    #: DKIM verification, when the bank requires it (None: not checked).
    dkim: DkimCheck | None = None


async def take_mail(ctx: InboundMailContext, arrived: ArrivedMail) -> Taken:
    """Take one message that arrived at the reply address."""
    if ctx.dkim is not None and not await ctx.dkim.verify(arrived.raw):
        await _keep(ctx, arrived, "dkim_failed")
        return Taken.REFUSED
    try:
        mail = read_mail(arrived)
    except MailUnreadable:
        await _keep(ctx, arrived, "unreadable")
        return Taken.KEPT
    if mail.report is not None:
        if await take_report(ctx, mail, mail.report):
            INBOUND_MAIL.labels("report").inc()
            return Taken.REPORT
        await _keep(ctx, arrived, "unmatched_report", mail)
        return Taken.KEPT
    if mail.automatic:
        await _keep(ctx, arrived, "automatic", mail)
        return Taken.KEPT
    return await _take_reply(ctx, arrived, mail)


async def _take_reply(ctx: InboundMailContext, arrived: ArrivedMail, mail: InboundMail) -> Taken:
    store = ctx.callbacks.store
    debtor = await store.find_debtor(_point(mail)) if mail.sender else None
    if debtor is None:
        await _keep(ctx, arrived, "unknown_sender", mail)
        return Taken.KEPT
    reply = Reply(channel="email", address=mail.sender, text=mail.text, dedupe=mail.dedupe)
    # Effects first (idempotent: the ids derive from the message), so a retry after a failure
    # half way makes the reply whole; a repeat is only counted as one.
    await answer_reply(ctx.callbacks, PROVIDER, reply, debtor)
    first = await store.first_time(f"{PROVIDER}:reply:{mail.dedupe}", ctx.callbacks.clock())
    INBOUND_MAIL.labels("reply" if first else "duplicate").inc()
    return Taken.REPLY


def _point(mail: InboundMail) -> str:
    return contact_point_id("email", mail.sender)


async def _keep(
    ctx: InboundMailContext, arrived: ArrivedMail, reason: str, mail: InboundMail | None = None
) -> None:
    kept = KeptMail(
        key=mail.dedupe if mail is not None else arrived.digest,
        at=ctx.callbacks.clock(),
        reason=reason,
        raw=arrived.raw,
        sender_point=_point(mail) if mail is not None and mail.sender else None,
    )
    first = await ctx.callbacks.store.keep_mail(kept)
    INBOUND_MAIL.labels(reason if first else "duplicate").inc()
