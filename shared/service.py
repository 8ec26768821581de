"""Running an aiohttp service around one consume loop: start, crash-on-bug, graceful stop."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web

from shared.consumer import ConsumeLoop
from shared.health import Health

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """Set when a background task died of a bug: the process then exits non-zero."""

    failed: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


outcome_key: Final = web.AppKey("outcome", Outcome)


def _on_done(outcome: Outcome) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        log.error("background task failed; stopping the service", exc_info=task.exception())
        outcome.failed = True
        # Let aiohttp run its cleanup (commit, close) as on any SIGTERM, then exit non-zero.
        os.kill(os.getpid(), signal.SIGTERM)

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


def consumer_context(
    build: Callable[[web.Application], Awaitable[ConsumeLoop]], health: Health, grace_s: float
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


def run(app: web.Application, *, host: str, port: int) -> int:
    """Serve until SIGTERM/SIGINT; the exit code is 1 when a background task died of a bug.

    :param app: the service's application.
    :param host: address to bind.
    :param port: port to bind.
    """
    app.setdefault(outcome_key, Outcome())
    web.run_app(app, host=host, port=port, print=None, handle_signals=True, access_log=None)
    return 1 if app[outcome_key].failed else 0
