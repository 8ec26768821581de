"""The notifier's use cases: keep the directory current, send a contact request exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from services.notifier.domain import (
    ContactPoint,
    Institution,
    NoContactPoint,
    email_address,
    render_email,
    send_key,
    verification_code,
)
from services.notifier.metrics import MESSAGES, PROVIDER_SECONDS
from services.notifier.ports import (
    ContactDirectory,
    DeliveryUncertain,
    LedgerEntry,
    Mailer,
    SendLedger,
    SendStatus,
)
from shared.errors import PermanentError, RetryableError
from shared.events import (
    ContactDetailsChanged,
    ContactRequested,
    InteractionKind,
    InteractionRecorded,
    derived_event_id,
)
from shared.kafka import EventPublisher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendContext:
    """What sending needs, wired once by the composition root."""

    directory: ContactDirectory
    ledger: SendLedger
    mailer: Mailer
    publisher: EventPublisher
    interactions_topic: str
    institution: Institution
    verification_secret: bytes
    mail_domain: str


async def record_contact_details(
    event: ContactDetailsChanged, *, directory: ContactDirectory
) -> None:
    """Keep the directory current; an older event never overwrites a newer one."""
    contact = ContactPoint(
        debtor_id=event.debtor_id,
        email=event.email,
        mobile=event.mobile,
        locale=event.locale,
        timezone=event.timezone,
    )
    await directory.upsert(contact, as_of=event.occurred_at)


async def send_contact_request(request: ContactRequested, ctx: SendContext) -> None:
    """Send by email at most once per request; every outcome becomes an interaction.

    The ledger row is written before the provider is called. A row found PENDING means an
    earlier attempt may have reached the provider: it is marked UNCERTAIN and escalated, never
    resent blindly. A SENT row only re-publishes its interaction (the audit log dedupes).
    """
    key = send_key(request.event_id, "email")
    code = verification_code(ctx.verification_secret, request.event_id, "email")
    try:
        to = email_address(await ctx.directory.get(request.debtor_id))
    except NoContactPoint as e:
        MESSAGES.labels("email", "blocked").inc()
        await _record(ctx, request, "send_blocked", reason=str(e))
        return
    entry, new = await ctx.ledger.claim(key, debtor_id=request.debtor_id, channel="email")
    if not new:
        await _replay(ctx, request, entry, code)
        return
    await _deliver(ctx, request, to, key, code)


async def _deliver(
    ctx: SendContext, request: ContactRequested, to: str, key: str, code: str
) -> None:
    message = render_email(request, ctx.institution, code)
    message_id = f"<{derived_event_id(key)}@{ctx.mail_domain}>"
    try:
        with PROVIDER_SECONDS.labels("smtp").time():
            provider_id = await ctx.mailer.send(to, message, message_id=message_id)
    except RetryableError:
        await ctx.ledger.release(key)
        raise
    except DeliveryUncertain as e:
        await _uncertain(ctx, request, key, str(e))
        return
    except PermanentError as e:
        await ctx.ledger.settle(key, SendStatus.FAILED)
        MESSAGES.labels("email", "failed").inc()
        await _record(ctx, request, "send_failed", reason=str(e), provider="smtp")
        return
    await ctx.ledger.settle(key, SendStatus.SENT, provider_id)
    MESSAGES.labels("email", "sent").inc()
    await _record(
        ctx, request, "message_sent", provider="smtp", provider_message_id=provider_id, code=code
    )


async def _replay(
    ctx: SendContext, request: ContactRequested, entry: LedgerEntry, code: str
) -> None:
    MESSAGES.labels("email", "duplicate").inc()
    if entry.status is SendStatus.SENT:
        await _record(
            ctx,
            request,
            "message_sent",
            provider="smtp",
            provider_message_id=entry.provider_message_id,
            code=code,
        )
    elif entry.status is SendStatus.PENDING:
        await _uncertain(ctx, request, entry.key, "found pending after a restart")
    elif entry.status is SendStatus.UNCERTAIN:
        await _record(ctx, request, "send_uncertain", reason="awaiting reconciliation")


async def _uncertain(ctx: SendContext, request: ContactRequested, key: str, reason: str) -> None:
    log.warning("send outcome uncertain; not resending", extra={"request_id": request.event_id})
    await ctx.ledger.settle(key, SendStatus.UNCERTAIN)
    MESSAGES.labels("email", "uncertain").inc()
    await _record(ctx, request, "send_uncertain", reason=reason)


async def _record(
    ctx: SendContext,
    request: ContactRequested,
    kind: InteractionKind,
    *,
    reason: str | None = None,
    provider: str | None = None,
    provider_message_id: str | None = None,
    code: str | None = None,
) -> None:
    interaction = InteractionRecorded(
        event_id=derived_event_id(request.event_id, "email", kind),
        occurred_at=datetime.now(UTC),
        debtor_id=request.debtor_id,
        loan_id=request.loan_id,
        request_id=request.event_id,
        channel="email",
        kind=kind,
        provider=provider,
        provider_message_id=provider_message_id,
        verification_code=code,
        account_masked=request.account_masked,
        reason=reason,
    )
    await ctx.publisher.publish(ctx.interactions_topic, interaction)
