"""What each outcome of a send is recorded as: the interaction the audit log keeps (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.domain.sends import Delivery, Send
from shared.events import InteractionKind, InteractionRecorded, derived_event_id

#: What a gate decision that stops a send is recorded as.
GATED: Final[Mapping[Outcome, InteractionKind]] = {
    Outcome.DEFER: "send_deferred",
    Outcome.BLOCK: "send_blocked",
    Outcome.ESCALATE: "send_escalated",
}


def _common(
    send: Send, kind: InteractionKind, at: datetime, decision: Decision | None
) -> dict[str, Any]:
    """The fields every interaction of ``send`` has; its id is derived, so a replay repeats it."""
    until = decision.until if decision else None
    return {
        "event_id": derived_event_id(
            send.request.event_id, send.channel, kind, *([until.isoformat()] if until else [])
        ),
        "occurred_at": at,
        "debtor_id": send.request.debtor_id,
        "loan_id": send.request.loan_id,
        "request_id": send.request.event_id,
        "channel": send.channel,
        "kind": kind,
        "account_masked": send.request.account_masked,
        "policy_pack": ",".join(decision.packs)[:200] if decision else None,
        "rules": tuple(decision.rules) if decision else (),
        "deferred_until": until,
    }


def stopped(send: Send, kind: InteractionKind, at: datetime, reason: str) -> InteractionRecorded:
    """A send that did not go out, or not yet (withdrawn, held, blocked before the gate,
    failed, uncertain), and why."""
    return InteractionRecorded(**_common(send, kind, at, None), reason=reason)


def uncertain(send: Send, at: datetime, reason: str) -> InteractionRecorded:
    """A send that may have gone: its code, which the audit log registers as possibly sent
    (the borrower who got it is told it may be genuine, and to call the bank)."""
    return InteractionRecorded(
        **_common(send, "send_uncertain", at, None), reason=reason, verification_code=send.code
    )


def not_sent(send: Send, at: datetime, reason: str) -> InteractionRecorded:
    """An uncertain send its provider, asked later, certainly does not have: its code is no
    longer possibly sent."""
    return InteractionRecorded(
        **_common(send, "send_not_sent", at, None), reason=reason, verification_code=send.code
    )


def gated(send: Delivery, decision: Decision, at: datetime) -> InteractionRecorded:
    """The gate deferred, blocked or escalated the message: its rules, reasons and content."""
    return InteractionRecorded(
        **_common(send, GATED[decision.outcome], at, decision),
        reason="; ".join(decision.reasons)[:500],
        content_sha256=send.message.sha256,
        template=send.message.template,
    )


def sent(
    send: Delivery, decision: Decision, at: datetime, provider: str, provider_message_id: str
) -> InteractionRecorded:
    """The provider accepted the message the gate allowed: what was sent, and its code."""
    return InteractionRecorded(
        **_common(send, "message_sent", at, decision),
        provider=provider,
        provider_message_id=provider_message_id,
        verification_code=send.code,
        content_sha256=send.message.sha256,
        template=send.message.template,
    )


def replayed(
    send: Send, at: datetime, provider: str | None, provider_message_id: str | None
) -> InteractionRecorded:
    """A send the ledger already has as sent (redelivered or reconciled): what it knows."""
    return InteractionRecorded(
        **_common(send, "message_sent", at, None),
        provider=provider,
        provider_message_id=provider_message_id,
        verification_code=send.code,
    )
