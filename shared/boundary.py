"""The one place a consumed record's failure is judged: what the consumer does next.

:func:`handle` runs a handler on one record and returns a :data:`Verdict`: done, dead-letter
it (a :class:`~shared.errors.PermanentError`), retry it later (a
:class:`~shared.errors.RetryableError`), or a bug (anything else: the service must stop and be
restarted, never skip the record nor retry it forever). The consume loop and the scheduler's
stream agents both call it, so the rule is written once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from prometheus_client import Histogram

from shared.deadletter import dead_letter_record
from shared.errors import PermanentError, RetryableError
from shared.metrics import CONSUMER_LAG_SECONDS, DEAD_LETTERS, EVENTS_CONSUMED
from shared.ports import EventPublisher, Record
from shared.topics import dead_letter as dead_letter_topic

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Done:
    """The handler's effect is in place: the offset may be committed."""


@dataclass(frozen=True)
class DeadLetter:
    """Trying again cannot help: send the record to ``<topic>.dlq``, then commit."""

    error: PermanentError


@dataclass(frozen=True)
class Retry:
    """A transient failure: do not commit; handle the same record again after ``defer_s``."""

    error: RetryableError

    @property
    def defer_s(self) -> float:
        return self.error.defer_s


@dataclass(frozen=True)
class Bug:
    """Neither kind of :class:`~shared.errors.ServiceError`: stop the service (non-zero exit)."""

    error: Exception


Verdict = Done | DeadLetter | Retry | Bug
DONE = Done()


async def handle(record: T, handler: Callable[[T], Awaitable[None]]) -> Verdict:
    """Run ``handler`` on ``record`` and judge the outcome; nothing raised gets past it.

    :param record: the consumed record.
    :param handler: the use case; raises to say what went wrong.
    :returns: what the consumer does next.
    """
    try:
        await handler(record)
    except PermanentError as e:
        return DeadLetter(e)
    except RetryableError as e:
        return Retry(e)
    except Exception as e:  # the consume boundary: anything else is a bug, judged here once
        return Bug(e)
    return DONE


async def dead_letter(
    publisher: EventPublisher, record: Record, error: PermanentError, *, service: str
) -> None:
    """Publish a record that cannot be processed to ``<topic>.dlq``, log it and count it.

    Returns once the broker has acknowledged it, so the caller may commit the source offset.

    :param publisher: where to publish.
    :param record: the original record (its bytes are kept as they are).
    :param error: why it cannot be processed.
    :param service: the service that gives up on it.
    """
    letter = dead_letter_record(
        key=record.key,
        value=record.value,
        headers=record.headers,
        source=(record.topic, record.partition, record.offset),
        error=error,
        service=service,
    )
    await publisher.publish_record(dead_letter_topic(record.topic), letter)
    log.warning(
        "record dead-lettered",
        extra={"topic": record.topic, "offset": record.offset, "reason": error.reason_code},
    )
    DEAD_LETTERS.labels(service, record.topic, error.reason_code).inc()
    EVENTS_CONSUMED.labels(service, record.topic, "dead_lettered").inc()


def observe_lag(service: str, record: Record) -> None:
    """Count how old ``record`` is as it is taken (now minus its Kafka timestamp).

    :param service: the consuming service.
    :param record: the record; a timestamp of 0 (unknown) is not counted.
    """
    if record.timestamp > 0:
        _lag(service, record.topic).observe(max(0.0, time.time() - record.timestamp / 1000))


@cache
def _lag(service: str, topic: str) -> Histogram:
    """The lag's series of a topic (looked up once: ``labels`` costs more than observing)."""
    return CONSUMER_LAG_SECONDS.labels(service, topic)
