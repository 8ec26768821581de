"""Backoff, the circuit breaker, and which failures a retry or a failover may follow."""

from __future__ import annotations

import pytest

from services.notifier.adapters.channels.errors import (
    CircuitOpen,
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.adapters.channels.resilience import (
    CircuitBreaker,
    Failover,
    Resilient,
    RetryPolicy,
    backoff_s,
)
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.templates import Rendered

MESSAGE = Rendered(template="t@1", locale="en", subject="s", body="b", params={})


class Scripted:
    """A provider client that answers from a script: an exception to raise or an id."""

    def __init__(
        self, provider: str, *script: object, reconciled: str | None = None, askable: bool = True
    ) -> None:
        self.provider = provider
        self.script = list(script)
        self.calls = 0
        self.reconciled = reconciled
        self.askable = askable

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        self.calls += 1
        step = self.script.pop(0) if self.script else "ok-id"
        if isinstance(step, Exception):
            raise step
        return str(step)

    async def reconcile(self, address: str, *, key: str) -> str | None:
        if not self.askable:
            raise DeliveryUncertain("no way to ask")
        return self.reconciled


async def no_sleep(_: float) -> None:
    return None


def resilient(client: Scripted, **kw: object) -> Resilient:
    return Resilient(client, rate_per_s=1000, policy=RetryPolicy(attempts=3), sleep=no_sleep, **kw)  # type: ignore[arg-type]


def test_backoff_honours_retry_after_up_to_a_ceiling() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=4.0, max_retry_after_s=30.0)
    assert backoff_s(policy, 0, 7.0) == 7.0
    assert backoff_s(policy, 0, 600.0) == 30.0
    assert all(0 <= backoff_s(policy, n, None) <= min(4.0, 0.5 * 2**n) for n in range(8))


def is_open(breaker: CircuitBreaker) -> bool:
    return breaker.is_open()


def test_the_breaker_opens_after_consecutive_failures_and_half_opens_later() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, reset_s=10.0, clock=lambda: now[0])
    for _ in range(2):
        breaker.failure()
    assert not is_open(breaker)
    breaker.failure()
    assert is_open(breaker)
    now[0] = 10.0
    assert not is_open(breaker)  # one trial may go through
    breaker.success()
    breaker.failure()
    assert not is_open(breaker)


async def test_transient_failures_are_retried_then_succeed() -> None:
    client = Scripted("p", ProviderUnavailable("503"), ProviderUnavailable("503"), "id-3")
    assert await resilient(client).send("a", MESSAGE, key="k", message_id="m") == ("p", "id-3")
    assert client.calls == 3


async def test_a_refusal_is_not_retried() -> None:
    client = Scripted("p", RecipientRefused("invalid number"))
    with pytest.raises(RecipientRefused):
        await resilient(client).send("a", MESSAGE, key="k", message_id="m")
    assert client.calls == 1


async def test_an_uncertain_send_is_reconciled_not_resent() -> None:
    client = Scripted("p", DeliveryUncertain("timeout"), reconciled="found-1")
    assert await resilient(client).send("a", MESSAGE, key="k", message_id="m") == ("p", "found-1")
    assert client.calls == 1


async def test_an_open_circuit_skips_the_provider() -> None:
    breaker = CircuitBreaker(threshold=1, reset_s=60)
    breaker.failure()
    client = Scripted("p")
    with pytest.raises(CircuitOpen):
        await resilient(client, breaker=breaker).send("a", MESSAGE, key="k", message_id="m")
    assert client.calls == 0


async def test_failover_moves_on_only_when_the_provider_certainly_did_not_send() -> None:
    down = Scripted("a", *[ProviderUnavailable("down")] * 3)
    misconfigured = Scripted("b", ProviderMisconfigured("template not approved"))
    healthy = Scripted("c", "id-c")
    chain = Failover([resilient(down), resilient(misconfigured), resilient(healthy)])
    assert await chain.send("x", MESSAGE, key="k", message_id="m") == ("c", "id-c")

    uncertain = Scripted("a", DeliveryUncertain("lost answer"), askable=False)
    spare = Scripted("b", "id-b")
    with pytest.raises(DeliveryUncertain):
        await Failover([resilient(uncertain), resilient(spare)]).send(
            "x", MESSAGE, key="k", message_id="m"
        )
    assert spare.calls == 0


async def test_a_number_limit_defers_the_second_message_instead_of_calling() -> None:
    from services.notifier.domain.model import SendLater

    now = [100.0]
    client = Scripted("tencent")
    limited = Resilient(
        client,
        rate_per_s=1000,
        policy=RetryPolicy(attempts=1),
        sleep=no_sleep,
        per_number_interval_s=30.0,
        clock=lambda: now[0],
    )
    await limited.send("+8613800000001", MESSAGE, key="k1", message_id="m")
    await limited.send("+8613800000002", MESSAGE, key="k2", message_id="m")
    now[0] = 110.0
    with pytest.raises(SendLater):
        await limited.send("+8613800000001", MESSAGE, key="k3", message_id="m")
    assert client.calls == 2
    now[0] = 130.0
    await limited.send("+8613800000001", MESSAGE, key="k3", message_id="m")
    assert client.calls == 3


async def test_a_provider_that_confirms_it_has_nothing_is_tried_again() -> None:
    client = Scripted("p", DeliveryUncertain("timeout"), "id-2", reconciled=None)
    assert await resilient(client).send("a", MESSAGE, key="k", message_id="m") == ("p", "id-2")
    assert client.calls == 2
