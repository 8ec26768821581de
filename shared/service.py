"""Running an aiohttp service: its consume loop and periodic jobs, crash-on-bug, graceful stop."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Final, Protocol

from aiohttp import web

from shared.errors import RetryableError
from shared.health import Health

log = logging.getLogger(__name__)


def _terminate_self() -> None:
    # The service's orderly shutdown (commit, close) runs as on any SIGTERM.
    os.kill(os.getpid(), signal.SIGTERM)


@dataclass
class Outcome:
    """Set when a background task died of a bug: the process then exits non-zero."""

    failed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    #: How the service is told to stop (tests replace the SIGTERM to itself).
    stop: Callable[[], None] = _terminate_self


def stop_for_bug(outcome: Outcome) -> None:
    """Stop the service because of a bug: it shuts down in order, then exits non-zero.

    :param outcome: the service's outcome, marked failed.
    """
    outcome.failed = True
    outcome.stop()


outcome_key: Final = web.AppKey("outcome", Outcome)


def _on_done(outcome: Outcome) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        log.error("background task failed; stopping the service", exc_info=task.exception())
        # Let aiohttp run its cleanup (commit, close) as on any SIGTERM, then exit non-zero.
        stop_for_bug(outcome)

    return done


def watch(app: web.Application, task: asyncio.Task[None]) -> asyncio.Task[None]:
    """Watch a background task for the application's lifetime: if it dies of a bug, the
    service stops with a non-zero exit (and is restarted) instead of running on without it."""
    outcome = app.setdefault(outcome_key, Outcome())
    task.add_done_callback(_on_done(outcome))
    outcome.tasks.append(task)
    return task


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel background tasks and wait for them; a task that already died was reported by
    :func:`watch`, so its exception is not raised again here."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Loop(Protocol):
    """A consume loop as the service runs it (:class:`~shared.consumer.ConsumeLoop` is one)."""

    async def run(self) -> None: ...

    async def stop(self, grace_s: float) -> None: ...

    def alive(self) -> bool: ...

    def ready(self) -> bool: ...


def consumer_context(
    build: Callable[[web.Application], Awaitable[Loop]], health: Health, grace_s: float
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp ``cleanup_ctx`` that runs a consume loop for the application's lifetime.

    :param build: creates (and starts) the loop once the app's other resources are up.
    :param health: where the loop registers its liveness and readiness.
    :param grace_s: how long in-flight work may take at shutdown.
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        loop = await build(app)
        health.liveness["consumer"] = loop.alive
        health.readiness["consumer"] = loop.ready
        task = watch(app, asyncio.create_task(loop.run(), name="consume-loop"))
        yield
        await loop.stop(grace_s)
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    return context


#: One step of a periodic job; a true result (work was found) runs the next step at once.
Step = Callable[[], Awaitable[int | None]]


async def periodic(
    name: str,
    interval_s: float,
    step: Step,
    stop: asyncio.Event,
    grace_s: float,
    *,
    retry_s: float | None = None,
    first_after_s: float = 0.0,
) -> None:
    """Run ``step`` every ``interval_s`` seconds until ``stop`` is set.

    A :class:`~shared.errors.RetryableError` is logged and the step runs again after
    ``retry_s``; anything else is a bug and ends the job (so :func:`watch` stops the service).
    Once ``stop`` is set, a running step may finish within ``grace_s``, then it is cancelled.

    :param name: the job's name in logs.
    :param interval_s: seconds from the end of one step to the start of the next.
    :param step: one round of work; returns how much it found (a true value: go on at once).
    :param stop: set at shutdown.
    :param grace_s: how long a running step may take once ``stop`` is set.
    :param retry_s: seconds before trying again after a transient failure (``interval_s``).
    :param first_after_s: seconds before the first step.
    """
    pause = first_after_s
    while not await _stopped_within(stop, pause):
        try:
            found = await _step_within_grace(name, step, stop, grace_s)
        except RetryableError as e:
            log.warning("%s deferred", name, extra={"job": name, "error": str(e)})
            pause = interval_s if retry_s is None else retry_s
            continue
        pause = 0.0 if found else interval_s


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait up to ``seconds``; whether ``stop`` is set by then."""
    if seconds > 0:
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _step_within_grace(
    name: str, step: Step, stop: asyncio.Event, grace_s: float
) -> int | None:
    """One step; if ``stop`` is set meanwhile, it gets ``grace_s`` more, then is cancelled."""
    task = asyncio.ensure_future(step())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            await asyncio.wait({task}, timeout=grace_s)
        if not task.done():
            log.warning("%s did not finish within the grace period", name, extra={"job": name})
            return None
        return task.result()
    finally:
        stopping.cancel()
        task.cancel()
        await asyncio.gather(task, stopping, return_exceptions=True)


def run(app: web.Application, *, host: str, port: int) -> int:
    """Serve until SIGTERM/SIGINT; the exit code is 1 when a background task died of a bug.

    :param app: the service's application.
    :param host: address to bind.
    :param port: port to bind.
    """
    app.setdefault(outcome_key, Outcome())
    # What the imports and the application made lives as long as the process: frozen out of
    # the cyclic collector's way, so its full collections walk only what the service makes as
    # it runs (they cost the directory's ingest about a third of its CPU a record).
    gc.freeze()
    web.run_app(app, host=host, port=port, print=None, handle_signals=True, access_log=None)
    return 1 if app[outcome_key].failed else 0
