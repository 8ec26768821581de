"""Retries with backoff and jitter (honouring Retry-After), a token bucket per provider, a circuit
breaker, and failover between providers that never turns an uncertain send into a second one."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter

from services.notifier.adapters.channels.errors import (
    CircuitOpen,
    ProviderMisconfigured,
    ProviderUnavailable,
)
from services.notifier.domain.model import Attempting, DeliveryUncertain, SendLater, no_record
from services.notifier.domain.templates import Rendered
from services.notifier.metrics import PROVIDER_CALLS, labelled
from shared.errors import PermanentError, RetryableError

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProviderClient(Protocol):
    """One provider's wire format: a single attempt, no retries."""

    provider: str

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        """Hand the message to the provider once; return the provider's message id."""
        ...

    async def reconcile(self, address: str, *, key: str) -> str | None:
        """After an uncertain attempt: the provider's id if it has the message, else None.

        Raises :class:`DeliveryUncertain` when the provider offers no way to ask.
        """
        ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_s: float = 0.2
    cap_s: float = 5.0
    #: A provider asking for a longer pause than this is treated as unavailable for now.
    max_retry_after_s: float = 30.0
    #: How long to wait before asking the provider whether an uncertain send arrived.
    reconcile_after_s: float = 1.0


def backoff_s(policy: RetryPolicy, attempt: int, retry_after_s: float | None) -> float:
    """Full-jitter exponential backoff, or the provider's Retry-After when it gave one."""
    if retry_after_s is not None:
        return min(retry_after_s, policy.max_retry_after_s)
    return random.uniform(0, min(policy.cap_s, policy.base_s * 2**attempt))  # noqa: S311 - jitter


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; lets one trial call through after
    ``reset_s``; closes again on a success."""

    def __init__(
        self, threshold: int = 5, reset_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold, self._reset_s, self._clock = threshold, reset_s, clock
        self._failures = 0
        self._opened_at: float | None = None

    def is_open(self) -> bool:
        if self._opened_at is None:
            return False
        # After reset_s the circuit is half-open: one trial call goes through.
        return self._clock() - self._opened_at < self._reset_s

    def success(self) -> None:
        self._failures, self._opened_at = 0, None

    def failure(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = self._clock()


class Resilient:
    """A :class:`~services.notifier.ports.ChannelClient` around one provider client."""

    def __init__(
        self,
        client: ProviderClient,
        *,
        rate_per_s: float,
        policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        per_number_interval_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.provider = client.provider
        self._limiter = AsyncLimiter(max(rate_per_s, 1e-3), 1.0)
        self._policy = policy or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self._per_number_s, self._clock = per_number_interval_s, clock
        self._last_to: dict[str, float] = {}

    async def send(
        self,
        address: str,
        message: Rendered,
        *,
        key: str,
        message_id: str,
        attempting: Attempting = no_record,
    ) -> tuple[str, str]:
        if self.breaker.is_open():
            labelled(PROVIDER_CALLS, self.provider, "circuit_open").inc()
            raise CircuitOpen(f"{self.provider}: circuit open")
        self._check_number(address)
        await attempting(self.provider)
        for attempt in range(self._policy.attempts):
            if self.breaker.is_open():
                labelled(PROVIDER_CALLS, self.provider, "circuit_open").inc()
                raise CircuitOpen(f"{self.provider}: circuit open")
            found = await self._attempt(address, message, key, message_id, attempt)
            if found is not None:
                return self.provider, found
        raise ProviderUnavailable(f"{self.provider}: no attempt succeeded")

    async def _attempt(
        self, address: str, message: Rendered, key: str, message_id: str, attempt: int
    ) -> str | None:
        """One call: the provider's id, or None when another attempt is worth making."""
        try:
            async with self._limiter:
                found = await self.client.attempt(address, message, key=key, message_id=message_id)
        except RetryableError as e:
            self.breaker.failure()
            labelled(PROVIDER_CALLS, self.provider, "retryable").inc()
            if attempt + 1 >= self._policy.attempts:
                raise
            await self._sleep(backoff_s(self._policy, attempt, getattr(e, "retry_after_s", None)))
            return None
        except DeliveryUncertain:
            self.breaker.failure()
            labelled(PROVIDER_CALLS, self.provider, "uncertain").inc()
            # None means the provider confirmed it has nothing: safe to try again.
            return await self._reconciled(address, key)
        except PermanentError:
            self.breaker.success()  # the provider answered; it refused this message
            labelled(PROVIDER_CALLS, self.provider, "refused").inc()
            raise
        self.breaker.success()
        labelled(PROVIDER_CALLS, self.provider, "ok").inc()
        return found

    def _check_number(self, address: str) -> None:
        """The provider's per-number limit: a second message too soon waits (a deferral)."""
        if self._per_number_s <= 0:
            return
        now = self._clock()
        last = self._last_to.get(address)
        if last is not None and now - last < self._per_number_s:
            labelled(PROVIDER_CALLS, self.provider, "number_limited").inc()
            wait = timedelta(seconds=self._per_number_s - (now - last))
            raise SendLater(f"{self.provider}: same number again too soon", until=utc_now() + wait)
        if len(self._last_to) > 100_000:  # forget numbers whose interval is long over
            self._last_to = {a: t for a, t in self._last_to.items() if now - t < self._per_number_s}
        self._last_to[address] = now

    async def reconcile(self, provider: str, address: str, *, key: str) -> str | None:
        if provider != self.provider:
            raise DeliveryUncertain(f"{provider} is not {self.provider}")
        try:
            found = await self.client.reconcile(address, key=key)
        except DeliveryUncertain:
            labelled(PROVIDER_CALLS, self.provider, "reconcile_unanswered").inc()
            raise
        labelled(PROVIDER_CALLS, self.provider, "reconciled").inc()
        return found

    async def _reconciled(self, address: str, key: str) -> str | None:
        await self._sleep(self._policy.reconcile_after_s)
        found = await self.client.reconcile(address, key=key)  # may raise DeliveryUncertain
        labelled(PROVIDER_CALLS, self.provider, "reconciled").inc()
        return found


class Failover:
    """Tries providers in order. Moves on only when the provider certainly did not take the
    message (unavailable, circuit open, our configuration refused); an uncertain send or a
    refused recipient stops here, since trying elsewhere could send it twice or in vain."""

    def __init__(self, members: Sequence[Resilient]) -> None:
        if not members:
            raise ValueError("failover needs at least one provider")
        self.members = list(members)

    async def send(
        self,
        address: str,
        message: Rendered,
        *,
        key: str,
        message_id: str,
        attempting: Attempting = no_record,
    ) -> tuple[str, str]:
        last: Exception | None = None
        for member in self.members:
            try:
                return await member.send(
                    address, message, key=key, message_id=message_id, attempting=attempting
                )
            except (ProviderUnavailable, ProviderMisconfigured) as e:
                log.warning("provider failed; failing over", extra={"provider": member.provider})
                PROVIDER_CALLS.labels(member.provider, "failover").inc()
                last = e
        assert last is not None  # noqa: S101 - members is never empty
        raise last

    async def reconcile(self, provider: str, address: str, *, key: str) -> str | None:
        for member in self.members:
            if member.provider == provider:
                return await member.reconcile(provider, address, key=key)
        raise DeliveryUncertain(f"{provider} is not configured")
