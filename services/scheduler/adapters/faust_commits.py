"""Every commit of the scheduler's offsets waits for what the records before it sent.

faust 0.15.3 commits from three places, all through ``Consumer.force_commit``: its commit timer
(``broker_commit_interval``), a rebalance (``on_partitions_revoked`` waits for the streams and
commits) and the shutdown (``Consumer.on_stop``). Under exactly_once each commit sends the source
offsets into the partition's transaction and commits it, with the table's changelog records the
transactional producer holds. Two things it does not do, and this consumer does first, while no
record is half handled (the :class:`CommitGate` is closed):

- wait for the acknowledgement of every record the scheduler sent on the plain producer (its
  decisions, pipelined: sent without waiting, see ``FaustEventPublisher``), so that no committed
  state or offset stands for an output the broker does not have;
- drain faust's producer buffer, where a table write waits until a background task hands it to
  the transactional producer: a changelog record still there at the commit would land in the
  next transaction while the offset it belongs to is in this one (after a crash the state would
  be behind the offsets).

A record sent but never acknowledged fails the commit: the worker crashes and the transaction
is aborted (state and offsets back to the last commit); the restarted worker replays from there
and publishes the same decisions again, in order, with the same ids.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger(__name__)
PreCommit = Callable[[], Awaitable[None]]


def _nothing() -> None:
    return None


class CommitGate:
    """Held by an agent while it handles one record, and by a commit while it runs.

    One lock for every agent of the worker: a commit waits for the record in hand to be done
    (its table writes made, its outputs sent) and no record starts until the commit is over.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._failure: BaseException | None = None
        #: What must be done before any offset commits (awaited in order, the gate closed).
        self.before_commit: list[PreCommit] = []
        #: Called once when a pre-commit step fails (the service stops: see ``app``).
        self.on_failure: Callable[[], None] = _nothing

    @asynccontextmanager
    async def handling(self) -> AsyncIterator[None]:
        """Around one record's handling."""
        async with self._lock:
            yield

    @asynccontextmanager
    async def committing(self) -> AsyncIterator[None]:
        """Around one commit: the record in hand finishes, then every pre-commit step runs.

        A step that fails fails this commit and every later one in the process (the shutdown's
        too): what was sent before it may be missing, so nothing after it may commit.
        """
        async with self._lock:
            if self._failure is not None:
                raise self._failure
            try:
                for step in self.before_commit:
                    await step()
            except Exception as e:
                self._failure = e
                self.on_failure()
                raise
            yield


async def drain_buffer(producer: Any) -> None:
    """Hand every record waiting in faust's producer buffer to the producer now.

    faust's own ``buffer.flush()`` gives up after 0.1 s without progress; this does not. A record
    the buffer's task took a moment earlier is already queued on its transactional producer's
    lock, ahead of the commit, which takes that lock too.
    """
    buffer = producer.buffer
    queue: asyncio.Queue[Any] = buffer.pending
    while not queue.empty():
        await buffer._send_pending(queue.get_nowait())
        buffer.message_sent.set()


class GatedConsumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer whose every commit passes the app's :class:`CommitGate`."""

    async def force_commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        gate: CommitGate = getattr(self.app, "commit_gate")  # noqa: B009 - GatedApp's own
        try:
            async with gate.committing():
                return bool(
                    await super().force_commit(topics, start_new_transaction=start_new_transaction)
                )
        except Exception:
            # The transaction stays open, never committed: the broker aborts it when the
            # restarted worker's producer takes over its transactional id.
            log.exception("commit refused: a record sent before it is not acknowledged")
            return False


class GatedTransport(faust_aiokafka.Transport):
    """faust's aiokafka transport with the gated consumer."""

    Consumer = GatedConsumer


class GatedApp(faust.App):
    """A faust app whose commits wait for its :attr:`commit_gate`."""

    commit_gate: CommitGate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.commit_gate = CommitGate()
        super().__init__(*args, **kwargs)
        self.commit_gate.before_commit.append(self._drain_producer_buffer)

    def _new_transport(self) -> Any:
        return GatedTransport(self.conf.broker_consumer, self)

    async def _drain_producer_buffer(self) -> None:
        await drain_buffer(self.producer)
