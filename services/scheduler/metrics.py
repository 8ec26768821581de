"""The scheduler's own metrics (faust's internal ones stay under the faust sensor)."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

REQUESTS_PUBLISHED: Final = Counter(
    "scheduler_contact_requests_published",
    "Contact requests published, by template.",
    ["template"],
)
