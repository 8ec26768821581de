"""The scheduler's real faust app for component tests: ready for an agent's ``test_context()``
(the memory store, no sweep timer, the running loop, flow resumed), and an event put on it as
the scheduler's consumers receive it."""

from __future__ import annotations

import asyncio
from typing import Any

import faust

from services.scheduler.app import build_app
from services.scheduler.settings import Settings
from shared.events import Event, encode
from shared.testing.memory import InMemoryEventPublisher


def ready_app(publisher: InMemoryEventPublisher, settings: Settings | None = None) -> faust.App:
    """The app publishing to ``publisher``; ``settings`` default to the memory store, no sweep."""
    app = build_app(settings or Settings(store="memory://", sweep_at=None), publisher=publisher)
    app.loop = asyncio.get_running_loop()
    app.finalize()
    app.flow_control.resume()
    return app


async def put(context: Any, event: Event) -> None:
    """``event`` encoded (key, value, headers) into an agent's test context."""
    record = encode(event, source="/test")
    await context.put(value=record.value, key=record.key, headers=list(record.headers))
