"""The scheduler's wiring: memory deps for use-case tests, the faust app's agents and pages.

Async tests: faust looks up the event loop while an app is built, and outside a running loop
it would make one nobody closes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

import pytest

from services.scheduler.adapters.faust import FaustEventPublisher, TableLoanStore, faust_app
from services.scheduler.adapters.memory import InMemoryLoanStore
from services.scheduler.app import build_app
from services.scheduler.bootstrap import build_deps, memory_deps
from services.scheduler.settings import Settings
from shared.testing.memory import InMemoryEventPublisher
from shared.topics import Topics
from tests.support.faust import closing_spare_loops
from tests.unit.scheduler.support import CONTEXT


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


async def test_memory_deps_are_in_memory_and_take_overrides() -> None:
    deps = memory_deps()
    assert isinstance(deps.loans, InMemoryLoanStore)
    assert isinstance(deps.publisher, InMemoryEventPublisher)
    publisher = InMemoryEventPublisher()
    replaced = memory_deps(publisher=publisher, plan=CONTEXT, topics=Topics("ns"))
    assert (replaced.publisher, replaced.plan, replaced.topics) == (
        publisher,
        CONTEXT,
        Topics("ns"),
    )


async def test_production_deps_are_the_loan_table_and_fausts_producer() -> None:
    settings = Settings(store="memory://", sweep_at=None)
    deps = build_deps(settings, faust_app(settings, service="scheduler"))
    assert isinstance(deps.loans, TableLoanStore)
    assert isinstance(deps.publisher, FaustEventPublisher)
    assert deps.topics == settings.kafka.topics


async def test_the_app_has_its_agents_and_the_daily_close_when_asked_for() -> None:
    without = build_app(Settings(store="memory://", sweep_at=None))
    assert set(without.agents) == {"track-loans", "route-replies", "route-case-actions"}
    assert set(without.tables) == {"loans"}
    with_close = build_app(Settings(store="memory://"))
    # The daily close is faust's only app task here (a timer on the leader).
    assert (len(without._app_tasks), len(with_close._app_tasks)) == (0, 1)


def test_an_empty_sweep_at_turns_the_timer_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNWELL_SCHEDULER_SWEEP_AT", "")
    assert Settings().sweep_at is None
    monkeypatch.setenv("DUNWELL_SCHEDULER_SWEEP_AT", "17:30")
    assert Settings().sweep_at == time(17, 30)
