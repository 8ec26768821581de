"""The commit gate: a commit waits for the record in hand, settles every pre-commit step, and once
one fails, never commits again; faust's producer buffer drained to the last record."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from services.scheduler.adapters.faust_commits import (
    CommitGate,
    GatedApp,
    GatedConsumer,
    drain_buffer,
)
from services.scheduler.bootstrap import application
from services.scheduler.settings import Settings
from tests.support.faust import closing_spare_loops


@pytest.fixture(autouse=True)
def _no_spare_loops() -> Iterator[None]:
    yield from closing_spare_loops()


async def test_a_commit_waits_for_the_record_in_hand_and_holds_the_next() -> None:
    gate, seen = CommitGate(), []
    record_done = asyncio.Event()

    async def step() -> None:
        seen.append("pre-commit")

    gate.before_commit.append(step)

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        async with gate.handling():
            seen.append(f"{name} starts")
            if wait is not None:
                await wait.wait()
            seen.append(f"{name} done")

    async def commit() -> None:
        async with gate.committing():
            seen.append("commit")

    first = asyncio.ensure_future(handle("first", record_done))
    await asyncio.sleep(0)
    committing = asyncio.ensure_future(commit())
    await asyncio.sleep(0)
    second = asyncio.ensure_future(handle("second"))
    await asyncio.sleep(0.01)
    assert seen == ["first starts"]
    record_done.set()
    await asyncio.gather(first, committing, second)
    assert seen == [
        "first starts",
        "first done",
        "pre-commit",
        "commit",
        "second starts",
        "second done",
    ]


async def test_a_failed_step_refuses_this_commit_and_every_later_one() -> None:
    gate, stopped, calls = CommitGate(), [], []

    async def unacknowledged() -> None:
        calls.append(1)
        raise TimeoutError("no ack")

    gate.before_commit.append(unacknowledged)
    gate.on_failure = lambda: stopped.append(True)
    for _ in range(2):
        with pytest.raises(TimeoutError):
            async with gate.committing():
                pytest.fail("committed after an unacknowledged output")
    assert stopped == [True]
    assert calls == [1]  # the second commit is refused without asking again
    async with gate.handling():  # records may still be handled (nothing of theirs commits)
        pass


class Buffer:
    """faust's ProducerBuffer as the drain uses it."""

    def __init__(self, items: int) -> None:
        self.pending: asyncio.Queue[int] = asyncio.Queue()
        for n in range(items):
            self.pending.put_nowait(n)
        self.message_sent = asyncio.Event()
        self.sent: list[int] = []

    async def _send_pending(self, fut: int) -> None:
        await asyncio.sleep(0.2 if fut == 0 else 0)  # slower than faust's own flush waits
        self.sent.append(fut)


async def test_the_buffer_is_drained_however_slow_a_send() -> None:
    producer = type("Producer", (), {"buffer": Buffer(5)})()
    await drain_buffer(producer)
    assert producer.buffer.sent == [0, 1, 2, 3, 4]
    assert producer.buffer.pending.empty()


def test_the_apps_consumer_commits_through_the_gate() -> None:
    app: Any = application(Settings())
    assert isinstance(app, GatedApp)
    assert isinstance(app.consumer, GatedConsumer)
    assert app.commit_gate.before_commit  # the buffer drain, at least
