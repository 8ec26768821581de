"""Bearer tokens with roles, and the verification page's per-client rate limit."""

from __future__ import annotations

from services.audit.entrypoints.auth import RateLimit


def test_a_client_gets_its_per_minute_budget_then_waits_for_refills() -> None:
    limit = RateLimit(per_minute=3)
    assert [limit.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b", now=0.0), "each client has its own bucket"
    assert not limit.allow("a", now=10.0)  # half a token back after 10 s
    assert limit.allow("a", now=20.0)


def test_a_flood_of_addresses_does_not_grow_memory_without_bound() -> None:
    limit = RateLimit(per_minute=1)
    for n in range(100_002):
        limit.allow(f"10.0.{n}", now=0.0)
    assert len(limit.buckets) <= 100_001
