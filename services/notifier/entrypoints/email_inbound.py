"""The reply address's SMTP entry point: which recipients it takes, and each DATA's answer.

Mail for another domain is refused at RCPT (550 5.1.1). A message is answered 250 once it is
taken (a reply acted on, a bounce applied, or the message kept), 550 5.7.20 when the bank
requires DKIM and it does not verify (kept all the same), and 451 4.3.0 when it could not be
taken now: the sending server keeps it and retries, so nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection

from services.notifier.domain.email_inbound import ArrivedMail, recipient_domain
from services.notifier.handlers.email_replies import InboundMailContext, Taken, take_mail

log = logging.getLogger(__name__)

TAKEN = "250 2.0.0 OK: taken"
NO_DKIM = "550 5.7.20 no valid DKIM signature from the sender's domain"
TRY_LATER = "451 4.3.0 cannot take the message now; try again later"


def accepts(domains: Collection[str]) -> Callable[[str], bool]:
    """Recipients at one of ``domains`` (case-insensitive)."""
    wanted = frozenset(d.strip().lower() for d in domains if d.strip())

    def accepted(address: str) -> bool:
        return recipient_domain(address) in wanted

    return accepted


def mail_taker(ctx: InboundMailContext) -> Callable[[ArrivedMail], Awaitable[str]]:
    """The DATA handler: the message through :func:`take_mail`, answered in SMTP."""

    async def take(arrived: ArrivedMail) -> str:
        try:
            taken = await take_mail(ctx, arrived)
        except Exception:  # the SMTP boundary (as the consume loop): the sender retries on 451
            log.exception("inbound mail not taken; the sending server will retry")
            return TRY_LATER
        return NO_DKIM if taken is Taken.REFUSED else TAKEN

    return take
