"""The scheduler's own metrics (faust's internal ones stay under the faust sensor)."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

REQUESTS_PUBLISHED: Final = Counter(
    "scheduler_contact_requests_published", "Contact requests published, by template.", ["template"]
)
WITHDRAWALS: Final = Counter(
    "scheduler_contact_withdrawals",
    "Withdrawals of published contact requests that went stale, by reason.",
    ["reason"],
)
SWEPT: Final = Counter("scheduler_loans_swept", "Loans aged by a close-of-business sweep.")
SWEEP_SECONDS: Final = Histogram(
    "scheduler_sweep_duration_seconds",
    "Time to sweep one partition's loans.",
    buckets=(0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
)
LOANS_TRACKED: Final = Gauge(
    "scheduler_loans_tracked", "Loans in this worker's tables, as of each partition's last sweep."
)
PROTECTED_DROPPED: Final = Counter(
    "scheduler_protected_fields_dropped",
    "Personal attributes removed from core-banking input before any decision.",
)
FINERACT_EVENTS: Final = Counter(
    "scheduler_fineract_events",
    "Fineract events read, by type (the types Fineract ships, else other) and outcome (mapped or "
    "ignored).",
    ["type", "outcome"],
)
BORROWER_UNKNOWN: Final = Counter(
    "scheduler_loan_events_without_borrower",
    "Loan events applied to a loan whose borrower core banking has not named yet (nothing is "
    "decided for it until it does).",
)
FIELD_VISITS: Final = Counter(
    "scheduler_field_visits",
    "Field visits decided, by what: proposed, rescheduled, cancelled (by reason) or unplaced (no "
    "branch of the list serves the loan's region: held for a person; alerted).",
    ["what"],
)
