"""Bounces (RFC 3464 DSNs) at the reply address: a permanent failure marks the address.

A DSN is matched to our send by the original's Message-ID (or our key, from which the
Message-ID derives). ``failed`` with a 5.x.x status marks that email contact point
undeliverable and is recorded as a ``delivery_reported`` interaction; from then on the debtor's
email sends are held (a data gap: held, re-checked, blocked and alerted after the longest
hold, released when the directory brings a new address), never attempted, while other
channels go on. A 4.x.x (delayed) report is only counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from services.notifier.domain.email_dsn import DeliveryReport
from services.notifier.domain.email_inbound import InboundMail
from services.notifier.domain.model import DirectoryEntry, SentMessage
from services.notifier.domain.sends import contact_point_id
from services.notifier.handlers.callbacks import CallbackContext
from services.notifier.metrics import EMAIL_BOUNCES
from services.notifier.ports import NotifierStore
from shared.events import Channel, InteractionRecorded, derived_event_id

#: The provider name inbound mail is recorded under (metrics, evidence).
PROVIDER: Final = "smtp"


@dataclass(frozen=True)
class MailContext:
    """What mail at the reply address is taken with."""

    callbacks: CallbackContext
    #: The domain of our Message-IDs (the sender address's), to find a send by its key.
    message_domain: str


def message_ids(report: DeliveryReport, domain: str) -> list[str]:
    """The provider ids our send may be known by: the quoted Message-ID, and the one our
    key derives (the mailer's ``<derived_event_id(key)@domain>``)."""
    ids = [report.message_id] if report.message_id else []
    if report.send_key:
        ids.append(f"<{derived_event_id(report.send_key)}@{domain}>")
    return ids


async def take_report(ctx: MailContext, mail: InboundMail, report: DeliveryReport) -> bool:
    """Act on a DSN; False when it names no send of ours (the caller keeps it)."""
    store = ctx.callbacks.store
    sent = await store.find_send(message_ids(report, ctx.message_domain))
    if sent is None or sent.channel != "email":
        return False
    verdict = report.verdict
    if verdict == "undeliverable":
        await _mark(ctx, mail, report, sent)
    if await store.first_time(f"{PROVIDER}:dsn:{mail.dedupe}", ctx.callbacks.clock()):
        EMAIL_BOUNCES.labels(verdict).inc()
    return True


async def _mark(
    ctx: MailContext, mail: InboundMail, report: DeliveryReport, sent: SentMessage
) -> None:
    """The bounced address marked for the debtor, and the bounce as evidence (both
    idempotent: a repeated DSN changes nothing)."""
    cb = ctx.callbacks
    now = cb.clock()
    address = report.recipient or await _current_email(cb.store, sent.debtor_id)
    if address:
        await cb.store.mark_undeliverable(sent.debtor_id, contact_point_id("email", address), now)
    await cb.publisher.publish(
        cb.interactions_topic,
        InteractionRecorded(
            event_id=derived_event_id(PROVIDER, "dsn", mail.dedupe),
            occurred_at=now,
            debtor_id=sent.debtor_id,
            loan_id=sent.loan_id,
            request_id=sent.key.rpartition("|")[0],
            channel="email",
            kind="delivery_reported",
            provider=PROVIDER,
            provider_message_id=(report.message_id or "")[:256] or None,
            reason=f"failed {report.status}: the address does not take mail (emails held)",
        ),
    )


async def _current_email(store: NotifierStore, debtor_id: str) -> str | None:
    entry = await store.get(debtor_id)
    return entry.email if entry else None


async def bounced(store: NotifierStore, entry: DirectoryEntry, channel: Channel) -> bool:
    """Whether the debtor's current address on ``channel`` bounced for good (email only)."""
    address = entry.address(channel)
    if channel != "email" or address is None:
        return False
    return contact_point_id(channel, address) in await store.undeliverable(entry.debtor_id)
