"""Group commit: calls made side by side are taken as one batch, each caller awaiting its own
result (or its own error) from that batch.

A batch is closed once the callers stop arriving: the first caller's batch waits, yielding to
the event loop, for as long as each turn brings more (at most ``max_size``), so callers that
are released together (a poll's records, a batch's provider calls, concurrent receipts) share
one batch, and a caller alone waits for no timer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

#: Runs one batch: a result or an error per item, in the items' order.
Run = Callable[[Sequence[T]], Awaitable[Sequence[U | BaseException]]]


class Grouped(Generic[T, U]):
    """Concurrent :meth:`submit` calls run as batches of ``run``, one batch at a time, or up
    to ``overlap`` at once (the next gathered while the ones before it run)."""

    def __init__(
        self, run: Run[T, U], *, max_size: int = 500, name: str = "batch", overlap: int = 1
    ) -> None:
        self._run = run
        self._max = max_size
        self._name = name
        self._waiting: list[tuple[T, asyncio.Future[U]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(overlap) if overlap > 1 else None
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> U:
        """``item``'s result from the batch it joins (its error raised here)."""
        future: asyncio.Future[U] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name=self._name)
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            if self._slots is not None:
                await self._slots.acquire()  # callers keep joining while the batches run
            seen = -1
            while seen != len(self._waiting) and len(self._waiting) < self._max:
                seen = len(self._waiting)
                await asyncio.sleep(0)  # let the callers released with this one join
            batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
            if self._slots is None:
                await self._one(batch)
            else:
                task = asyncio.create_task(self._freed(batch, self._slots), name=self._name)
                self._running.add(task)
                task.add_done_callback(self._running.discard)

    async def _freed(
        self, batch: list[tuple[T, asyncio.Future[U]]], slots: asyncio.Semaphore
    ) -> None:
        try:
            await self._one(batch)
        finally:
            slots.release()

    async def _one(self, batch: list[tuple[T, asyncio.Future[U]]]) -> None:
        try:
            results = await self._run([item for item, _ in batch])
        except BaseException as e:  # every caller of the batch sees what ended it
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(e, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(e)
            if not isinstance(e, Exception):
                raise
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue  # the caller was cancelled
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)


class Settles:
    """Batches between their claim and their settle: what a receipt that overtook its send's
    settle waits for (briefly), instead of being refused for now."""

    def __init__(self) -> None:
        self._open = 0
        self._settled = asyncio.Event()
        #: Set once a batch's settle is durable and its interactions published: receipts that
        #: came before their sends were known are taken then.
        self.wake = asyncio.Event()

    def begun(self) -> None:
        self._open += 1

    def ended(self) -> None:
        self._open -= 1
        self._settled.set()
        self._settled = asyncio.Event()

    async def next(self, timeout_s: float) -> bool:
        """Wait for the next settle (at most ``timeout_s``); False when none is under way."""
        if not self._open:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout_s)
        return True
