"""The desk's composition root: memory deps, and the clock the sandbox shifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.bootstrap import desk_clock, memory_deps
from services.desk.settings import Settings


def test_the_clock_is_real_time_or_real_time_from_clock_start() -> None:
    assert abs(desk_clock(Settings())() - datetime.now(UTC)) < timedelta(seconds=5)
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    shifted = desk_clock(Settings(clock_start=start))()
    assert start <= shifted < start + timedelta(seconds=5)


def test_memory_deps_take_overrides() -> None:
    store = InMemoryDeskStore()
    deps = memory_deps(store=store)
    assert deps.store is store
    assert deps.keys is None
