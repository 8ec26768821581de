"""The composition root: memory deps for tests, the gate's clock from the settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.adapters.memory.channel import InMemoryChannel
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.bootstrap import gate_clock, memory_deps
from services.notifier.settings import Settings


async def test_memory_deps_are_every_port_in_memory_and_take_overrides() -> None:
    deps = memory_deps()
    assert isinstance(deps.store, InMemoryNotifierStore)
    assert set(deps.channels) == {"email"}
    assert await deps.database_ready()
    assert await deps.directory.catch_up(_ignore) == 0
    sms = InMemoryChannel("aliyun")
    store = InMemoryNotifierStore()
    other = memory_deps(store=store, channels={"sms": sms})
    assert other.store is store
    assert other.channels == {"sms": sms}
    assert memory_deps().store is not deps.store  # fresh adapters each time


async def _ignore(_: object) -> None:
    return None


def test_the_gate_clock_is_real_time_unless_told_where_to_start() -> None:
    before = datetime.now(UTC)
    assert gate_clock(Settings())() - before < timedelta(seconds=5)
    start = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    shifted = gate_clock(Settings(clock_start=start))()
    assert start <= shifted < start + timedelta(seconds=5)
