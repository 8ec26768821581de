"""The notifier's own metrics. Labels: channel, provider, outcome, rule; never a customer id."""

from __future__ import annotations

from functools import lru_cache
from typing import Final, TypeVar

from prometheus_client import Counter, Gauge, Histogram

M = TypeVar("M", Counter, Gauge, Histogram)


@lru_cache(maxsize=1024)
def _child(metric: Counter | Gauge | Histogram, values: tuple[str, ...]) -> object:
    return metric.labels(*values)


def labelled(metric: M, *values: str) -> M:
    """``metric.labels(*values)``, looked up once per label set (labels are few: channels,
    providers, outcomes, rules; never a customer id)."""
    found: M = _child(metric, values)  # type: ignore[assignment]
    return found


MESSAGES: Final = Counter(
    "notifier_messages",
    "Sends handled per channel, by outcome.",
    # sent | blocked | deferred | escalated | uncertain | failed | exhausted | duplicate
    # | reconciled | not_sent
    ["channel", "outcome"],
)
GATE_DECISIONS: Final = Counter(
    "notifier_gate_decisions",
    "Compliance-gate decisions per channel, by outcome (allow, defer, block, escalate).",
    ["channel", "outcome"],
)
GATE_RULES: Final = Counter(
    "notifier_gate_rule_hits",
    "Times a policy rule stopped or put off a send, by rule id.",
    ["rule"],
)
DEFERRED_BACKLOG: Final = Gauge(
    "notifier_deferred_sends",
    "Sends waiting for a permitted time (seen by the deferral dispatcher).",
)
UNCERTAIN_SENDS: Final = Gauge(
    "notifier_uncertain_sends",
    "Sends whose provider may have the message, waiting to be reconciled (or for a person).",
)
UNCERTAIN_OLDEST_AGE: Final = Gauge(
    "notifier_uncertain_oldest_age_seconds",
    "How long the oldest uncertain send has waited to be reconciled (0: none waits).",
)
EARLY_RECEIPTS: Final = Gauge(
    "notifier_early_receipts",
    "Receipts kept because they came before the ledger knew their send (taken once it does).",
)
EARLY_OLDEST_AGE: Final = Gauge(
    "notifier_early_receipt_oldest_age_seconds",
    "How long the oldest kept receipt has waited for a settled send to carry its id (0: none).",
)
EARLY_EXPIRED: Final = Counter(
    "notifier_early_receipts_expired",
    "Kept receipts no settled send took within the expiry, handed to the evidence log as dead "
    "letters (reason receipt_unmatched), by provider.",
    ["provider"],
)
PROVIDER_SECONDS: Final = Histogram(
    "notifier_provider_request_duration_seconds",
    "Time the channel took to accept a message, retries and failover included.",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PROVIDER_CALLS: Final = Counter(
    "notifier_provider_calls",
    # (asked whether it has an uncertain send: reconciled, reconcile_unanswered)
    "Calls to a provider, by result (ok, retryable, refused, uncertain, circuit_open).",
    ["provider", "result"],
)
CALLBACKS_RECEIVED: Final = Counter(
    "notifier_callbacks",
    "Provider callbacks received, by provider and result (accepted, duplicate, rejected, "
    "early: a receipt kept until its send is settled, unknown).",
    ["provider", "result"],
)
CALL_DECISIONS: Final = Counter(
    "notifier_call_decisions",
    "Pre-call gate answers, by outcome (allow, defer, block, escalate); repeats not counted.",
    ["outcome"],
)
CALL_OUTCOMES: Final = Counter(
    "notifier_call_outcomes",
    "Calls reported, by status (attempted, connected, no_answer, busy, wrong_number, "
    "third_party); repeats not counted.",
    ["status"],
)
CALL_RESERVATIONS_RELEASED: Final = Counter(
    "notifier_call_reservations_released",
    "Call reservations released unused at their expiry.",
)
CONTACT_FIELDS_IGNORED: Final = Counter(
    "notifier_contact_fields_ignored",
    "Fields left out of core banking's contact details before validation, by kind (protected: "
    "an attribute no decision may use, dropped; unknown: a field the directory does not keep).",
    ["kind"],
)
REVIEW_DECISIONS: Final = Counter(
    "notifier_review_decisions",
    "People's decisions from the desk's review queues, by queue, verdict and what was done.",
    ["queue", "verdict", "result"],  # result: applied | withdrawn | refused
)
INBOUND_MAIL: Final = Counter(
    "notifier_inbound_mail",
    "Mail at the reply address, by outcome (reply, unknown_sender, report, unmatched_report, "
    "automatic, dkim_failed, unreadable, duplicate).",
    ["outcome"],
)
EMAIL_BOUNCES: Final = Counter(
    "notifier_email_bounces",
    "Delivery status notifications matched to a send, by verdict (undeliverable: failed "
    "5.x.x, the address marked; delayed: 4.x.x, only counted; other).",
    ["verdict"],
)
DEBT_HOLDS: Final = Counter(
    "notifier_debt_holds",
    "Disputes and complaints holding a debt at the gate, opened and released.",
    ["category", "change"],  # change: opened | released
)
