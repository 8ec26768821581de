"""Uncertain sends waiting to be reconciled: what is kept of each, and when to ask again (pure).

A send whose provider may have the message is never resent blindly. Its provider is asked again
on a timer, at growing intervals (a first look soon, then doubling up to a cap), until it says
it has the message (sent), certainly has not (not sent), or a person decides; an uncertain send
older than the alert bound is reported by the metrics, and the alert asks a person to act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from shared.events import Channel

#: How long a reconciler holds the sends it took before another may take them.
RECONCILE_LEASE: Final = timedelta(seconds=60)


@dataclass(frozen=True)
class Backoff:
    """When an uncertain send is asked about: ``first`` after it became uncertain, then each
    interval twice the last, never more than ``cap``."""

    first: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)

    def after(self, checks: int, now: datetime) -> datetime:
        """The next time to ask, after ``checks`` unanswered asks."""
        interval: timedelta = self.first * (2 ** min(checks, 32))
        return now + min(interval, self.cap)


@dataclass(frozen=True)
class UncertainSend:
    """A send kept for reconciliation: its ledger key, whom to ask, the request it carries."""

    key: str
    debtor_id: str
    channel: Channel
    #: The provider noted before it was called (None: no one to ask; a person decides).
    provider: str | None
    #: The contact request, as received (JSON), to record what becomes of the send.
    request: bytes
    since: datetime
    next_check_at: datetime
    checks: int = 0


@dataclass(frozen=True)
class UncertainSummary:
    """How many sends are uncertain, and since when the oldest is (None: none is)."""

    count: int
    oldest: datetime | None

    def oldest_age_s(self, now: datetime) -> float:
        return max(0.0, (now - self.oldest).total_seconds()) if self.oldest else 0.0
