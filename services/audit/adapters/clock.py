"""The system clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """:class:`~services.audit.ports.Clock` on the host's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
