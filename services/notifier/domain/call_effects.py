"""What one reported call does (pure): what it counts against the caps, what the evidence log
keeps, and what the scheduler is told to do with the borrower's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from services.notifier.domain.calls import (
    ANSWERED,
    CallRecord,
    CallReport,
    Disposition,
    reservation_key,
)
from services.notifier.domain.policy.scenario import Contact, HistoryKind, Outcome
from shared.events import ApplyCaseAction, CallReported, InteractionRecorded, derived_event_id

#: Every kind of contact a call may count, in the order the contact log keeps them.
CALL_KINDS: Final[tuple[HistoryKind, ...]] = ("call_attempt", "call_connected", "conversation")


@dataclass(frozen=True)
class CallEffects:
    """What a call's outcome changes in the ledger, in one transaction."""

    #: The contacts the call counts (replacing its reservations), by contact-log key.
    counted: tuple[tuple[str, Contact], ...]
    #: The call's keys in the contact log (reservations and counted contacts alike).
    keys: tuple[str, ...]
    #: The contact point the call found not to be the borrower's (a wrong number).
    unusable: str | None
    #: The borrower asked for no more calls.
    voice_opt_out: bool


def call_effects(
    record: CallRecord, report: CallReport, now: datetime | None = None
) -> CallEffects:
    """Every dial counts as an attempt; an answered one as a connected call too (拨通, whoever
    answered: the more restrictive reading); a conversation with the borrower as one, at the
    call's start: no earlier than its ask, no later than ``now`` (a dialler's clock behind or
    ahead of the gate's cannot move a call into a day or a window it did not happen in)."""
    kinds: list[HistoryKind] = ["call_attempt"]
    if report.status in ANSWERED:
        kinds.append("call_connected")
    if report.status == "connected":
        kinds.append("conversation")
    at = max(report.started_at, record.asked_at)
    if now is not None:
        at = min(at, max(now, record.asked_at))
    counted = tuple(
        (
            reservation_key(record.call_id, kind),
            Contact(
                at=at,
                channel="voice",
                kind=kind,
                sender=record.ask.sender,
                debt_id=record.ask.debt_id,
                contact_point=record.point_id,
            ),
        )
        for kind in kinds
    )
    return CallEffects(
        counted=counted,
        keys=tuple(reservation_key(record.call_id, kind) for kind in CALL_KINDS),
        unusable=record.point_id if report.status == "wrong_number" else None,
        voice_opt_out=any(d.kind == "stop_calling" for d in report.dispositions),
    )


def _terms(d: Disposition) -> str:
    amount = f" {d.amount:,.2f} {d.currency or ''}".rstrip() if d.amount is not None else ""
    on = f" on {d.on.isoformat()}" if d.on else ""
    return f"{d.kind}{amount}{on}"


def call_interaction(record: CallRecord, report: CallReport) -> InteractionRecorded:
    """The call as evidence, once (its id derives from the call): how it went, who made it,
    under which decision; what was said as the agent wrote it (encrypted at rest by the audit
    log), never the number."""
    parts = [
        f"{report.status}, {report.duration_s}s, agent {report.agent_id}",
        f"purpose {record.ask.purpose}",
    ]
    if record.decision.outcome is not Outcome.ALLOW:
        parts.append(f"made against a {record.decision.outcome.value} decision")
    if report.dispositions:
        parts.append("dispositions: " + ", ".join(_terms(d) for d in report.dispositions))
    if report.summary:
        parts.append(f"summary: {report.summary}")
    if report.feedback:
        parts.append(f"borrower: {report.feedback}")
    return InteractionRecorded(
        event_id=derived_event_id("call", record.call_id, "made"),
        occurred_at=report.started_at,
        debtor_id=record.debtor_id,
        loan_id=record.ask.debt_id,
        request_id=record.call_id,
        channel="voice",
        kind="call_made",
        provider=record.ask.sender,
        reason="; ".join(parts)[:500],
        policy_pack=",".join(record.decision.packs)[:200] or None,
        rules=tuple(record.decision.rules),
    )


def refused_interaction(record: CallRecord) -> InteractionRecorded:
    """A dial the gate did not allow, as evidence (once: its id derives from the call): the
    decision's rules, reasons and next permitted time, who asked and why, never the number."""
    decision = record.decision
    return InteractionRecorded(
        event_id=derived_event_id("call", record.call_id, "refused"),
        occurred_at=record.asked_at,
        debtor_id=record.debtor_id,
        loan_id=record.ask.debt_id,
        request_id=record.call_id,
        channel="voice",
        kind="call_refused",
        provider=record.ask.sender,
        reason=(
            f"{decision.outcome.value} for agent {record.ask.agent_id}, purpose "
            f"{record.ask.purpose}: " + "; ".join(decision.reasons)
        )[:500],
        policy_pack=",".join(decision.packs)[:200] or None,
        rules=tuple(decision.rules),
        deferred_until=decision.until,
    )


def case_actions(record: CallRecord, report: CallReport) -> list[ApplyCaseAction]:
    """The call's dispositions as commands to the scheduler (a wrong number is a wrong party
    even when the agent did not say so), each with an id derived from the call."""
    wanted = list(report.dispositions)
    if report.status == "wrong_number" and not any(d.kind == "wrong_party" for d in wanted):
        wanted.append(Disposition(kind="wrong_party"))
    return [
        ApplyCaseAction(
            event_id=derived_event_id("call", record.call_id, "action", str(n), d.kind),
            occurred_at=report.started_at,
            debtor_id=record.debtor_id,
            loan_id=record.ask.debt_id,
            action=d.kind,
            origin="call",
            origin_id=record.call_id,
            actor=report.agent_id,
            channel="voice",
            promised_amount=d.amount if d.kind == "promise_to_pay" else None,
            currency=d.currency,
            promised_by=d.on if d.kind == "promise_to_pay" else None,
            requested_until=d.on if d.kind == "extension_request" else None,
            visit_on=d.on if d.kind == "reschedule_visit" else None,
        )
        for n, d in enumerate(wanted)
    ]


def task_report(record: CallRecord, report: CallReport) -> CallReported | None:
    """The call's outcome for the desk's call task it was asked for (None: no task named);
    its id derives from the call, so a repeated report is the same event."""
    if record.ask.task_id is None:
        return None
    return CallReported(
        event_id=derived_event_id("call", record.call_id, "task-report"),
        occurred_at=report.started_at,
        debtor_id=record.debtor_id,
        loan_id=record.ask.debt_id,
        task_id=record.ask.task_id,
        call_id=record.call_id,
        status=report.status,
        agent_id=report.agent_id,
        started_at=report.started_at,
        dispositions=tuple(d.kind for d in report.dispositions),
    )
