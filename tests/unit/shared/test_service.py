"""Background jobs of a service: periodic steps, transient failures, bugs, graceful stop."""

from __future__ import annotations

import asyncio
import gc

import pytest
from aiohttp import web

from shared.errors import RetryableError
from shared.service import periodic, run


async def until(*, steps: list[int], count: int) -> None:
    async with asyncio.timeout(5):
        while True:
            if len(steps) >= count:
                return
            await asyncio.sleep(0.001)


class TestPeriodic:
    async def test_steps_repeat_until_stopped(self) -> None:
        stop, steps = asyncio.Event(), list[int]()

        async def step() -> None:
            steps.append(len(steps))

        job = asyncio.create_task(periodic("tick", 0.001, step, stop, grace_s=1))
        await until(steps=steps, count=3)
        stop.set()
        await asyncio.wait_for(job, 1)
        assert steps[:3] == [0, 1, 2]

    async def test_a_step_that_found_work_runs_again_at_once(self) -> None:
        stop, steps = asyncio.Event(), list[int]()

        async def step() -> int:
            steps.append(1)
            return 5 if len(steps) < 4 else 0  # work waiting, three times

        job = asyncio.create_task(periodic("drain", 3600, step, stop, grace_s=1))
        await until(steps=steps, count=4)
        await asyncio.sleep(0.01)
        assert len(steps) == 4, "an idle step waits for the interval"
        stop.set()
        await asyncio.wait_for(job, 1)

    async def test_a_transient_failure_is_tried_again_after_the_retry_delay(self) -> None:
        stop, steps = asyncio.Event(), list[int]()

        async def step() -> None:
            steps.append(1)
            if len(steps) == 1:
                raise RetryableError("database away")

        job = asyncio.create_task(periodic("retention", 3600, step, stop, 1, retry_s=0.001))
        await until(steps=steps, count=2)
        stop.set()
        await asyncio.wait_for(job, 1)

    async def test_a_bug_ends_the_job(self) -> None:
        async def step() -> None:
            raise KeyError("bug")

        with pytest.raises(KeyError):
            await asyncio.wait_for(periodic("tick", 0.001, step, asyncio.Event(), 1), 1)

    async def test_the_first_step_can_wait(self) -> None:
        stop, steps = asyncio.Event(), list[int]()

        async def step() -> None:
            steps.append(1)

        job = asyncio.create_task(periodic("check", 3600, step, stop, 1, first_after_s=3600))
        await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(job, 1)
        assert steps == []

    async def test_a_running_step_finishes_within_the_grace_period(self) -> None:
        stop, finished = asyncio.Event(), list[bool]()

        async def step() -> None:
            stop.set()  # SIGTERM while the step is running
            await asyncio.sleep(0.01)
            finished.append(True)

        await asyncio.wait_for(periodic("send", 3600, step, stop, grace_s=1), 1)
        assert finished == [True]

    async def test_a_step_past_the_grace_period_is_cancelled(self) -> None:
        stop, cancelled = asyncio.Event(), list[bool]()

        async def step() -> None:
            stop.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancelled.append(True)
                raise

        await asyncio.wait_for(periodic("send", 3600, step, stop, grace_s=0.01), 1)
        assert cancelled == [True]


def test_a_service_freezes_what_it_made_before_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full collections then walk only what the service makes as it runs."""
    served: list[int] = []
    monkeypatch.setattr(web, "run_app", lambda *_, **__: served.append(gc.get_freeze_count()))
    gc.unfreeze()
    try:
        assert run(web.Application(), host="127.0.0.1", port=0) == 0
    finally:
        gc.unfreeze()
    assert len(served) == 1
    assert served[0] > 1000  # the imports' objects, at least
