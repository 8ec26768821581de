"""The scheduler's faust agents: each record through the shared consume boundary, in place.

faust has no seek: a transient failure is retried in place (the record is never skipped), with
a doubling pause. A record that can never be processed is dead-lettered. Anything else is a
bug: the service is told to stop (non-zero exit) and the agent ends, never retrying it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import faust

from services.scheduler.handlers.route_case_actions import route_case_action
from services.scheduler.handlers.route_replies import route_reply
from services.scheduler.handlers.track_loans import SERVICE, handle_loan_record
from services.scheduler.ports import Dependencies
from shared import boundary
from shared.service import Outcome, stop_for_bug

log = logging.getLogger(__name__)
FIRST_PAUSE_S: Final = 0.5
MAX_RETRY_PAUSE_S: Final = 30.0
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class StreamRecord:
    """One record of a faust stream (:class:`~shared.ports.Record`)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]
    timestamp: int  # milliseconds since the epoch; 0 when faust has none


def stream_record(event: Any) -> StreamRecord:
    """The record a faust stream event carries."""
    message = event.message
    headers = message.headers or []
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    stamp = message.timestamp
    return StreamRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        headers=pairs,
        timestamp=int(stamp * 1000) if isinstance(stamp, int | float) else 0,
    )


async def settle(
    record: StreamRecord,
    handler: Callable[[StreamRecord], Awaitable[None]],
    deps: Dependencies,
    sleep: Sleep = asyncio.sleep,
) -> Exception | None:
    """Handle ``record`` until it is done or dead-lettered.

    :param record: the stream's current record.
    :param handler: the use case.
    :param deps: where dead letters go.
    :param sleep: waits between retries (tests pass a fake).
    :returns: the bug, if the handler met one (it is never retried).
    """
    pause = FIRST_PAUSE_S
    while True:
        match await boundary.handle(record, handler):
            case boundary.Done():
                return None
            case boundary.DeadLetter(error):
                await boundary.dead_letter(deps.publisher, record, error, service=SERVICE)
                return None
            case boundary.Retry(error):
                log.warning("transient failure; retrying", extra={"error": str(error)})
                await sleep(min(pause, MAX_RETRY_PAUSE_S))
                pause *= 2
            case boundary.Bug(error):
                return error


def add_agents(app: faust.App, deps: Dependencies, outcome: Outcome) -> None:
    """The loan tracker and the routers of replies and case actions, on their topics."""
    topics = deps.topics
    loan_topics = app.topic(
        topics.loan_events, topics.scheduler_commands, key_serializer="raw", value_serializer="raw"
    )

    async def track(record: StreamRecord) -> None:
        await handle_loan_record(record, deps)

    @app.agent(loan_topics, name="track-loans")
    async def track_loans(stream: Any) -> None:
        async for event in stream.events():
            record = stream_record(event)
            boundary.observe_lag(SERVICE, record)
            async with deps.gate.handling():
                bug = await settle(record, track, deps)
            if bug is not None:
                raise _stop_for(bug, record, outcome)

    async def route(record: StreamRecord) -> None:
        await route_reply(record, publisher=deps.publisher, topics=topics)

    async def route_action(record: StreamRecord) -> None:
        await route_case_action(record, publisher=deps.publisher, topics=topics)

    _add_router(app, topics.replies, "route-replies", route, deps, outcome)
    _add_router(app, topics.case_actions, "route-case-actions", route_action, deps, outcome)


def _add_router(
    app: faust.App,
    topic: str,
    name: str,
    route: Callable[[StreamRecord], Awaitable[None]],
    deps: Dependencies,
    outcome: Outcome,
) -> None:
    """An agent re-keying ``topic``'s records onto the command topic (by loan)."""
    source = app.topic(topic, key_serializer="raw", value_serializer="raw")

    async def router(stream: Any) -> None:
        async for event in stream.events():
            record = stream_record(event)
            async with deps.gate.handling():
                bug = await settle(record, route, deps)
            if bug is not None:
                raise _stop_for(bug, record, outcome)

    router.__name__ = router.__qualname__ = name.replace("-", "_")
    app.agent(source, name=name)(router)


def _stop_for(bug: Exception, record: StreamRecord, outcome: Outcome) -> Exception:
    """A bug stops the worker (its orderly shutdown, then a non-zero exit); the agent ends."""
    log.error(
        "bug while handling a record; stopping",
        exc_info=bug,
        extra={"topic": record.topic, "partition": record.partition, "offset": record.offset},
    )
    stop_for_bug(outcome)
    return bug
