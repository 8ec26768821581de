"""The audit service's own metrics. No label carries a customer identifier."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter, Gauge, Histogram

LOG_SIZE: Final = Gauge("audit_log_entries", "Entries in the evidence log.")
APPENDS: Final = Counter("audit_appends", "Entries appended (new, not redeliveries).", ["source"])
APPEND_BATCH_SECONDS: Final = Histogram(
    "audit_append_batch_duration_seconds",
    "Time to seal, hash and durably write one batch.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CHECKPOINT_SIZE: Final = Gauge("audit_checkpoint_tree_size", "Tree size of the latest checkpoint.")
CHECKPOINT_TIMESTAMP: Final = Gauge(
    "audit_checkpoint_last_signed_timestamp_seconds", "Unix time the latest checkpoint was signed."
)
CHECKPOINT_LAG: Final = Gauge(
    "audit_checkpoint_lag_entries", "Entries appended but not yet covered by a checkpoint."
)
TREE_INCONSISTENT: Final = Gauge(
    "audit_tree_inconsistent",
    "1 when the stored tree contradicts a signed or witnessed checkpoint.",
)
SELF_CHECK_OK: Final = Gauge(
    "audit_self_check_ok", "1 when the last self-check found nothing wrong."
)
SELF_CHECK_FAILURES: Final = Counter(
    "audit_self_check_failures", "Self-checks that found a problem."
)
SELF_CHECK_FIRST_BAD_INDEX: Final = Gauge(
    "audit_self_check_first_bad_index", "Leaf index of the first problem found, -1 when none."
)
SELF_CHECK_SECONDS: Final = Histogram(
    "audit_self_check_duration_seconds",
    "Time to re-verify the whole stored tree.",
    buckets=(0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
)
PLAINTEXT_READS: Final = Counter(
    "audit_plaintext_reads", "Reads of decrypted content.", ["purpose"]
)
VERIFY_LOOKUPS: Final = Counter(
    "audit_verification_lookups", "Borrower verification-page lookups.", ["outcome"]
)
AUTH_REFUSALS: Final = Counter("audit_auth_refusals", "Refused API calls.", ["status"])
