"""The consume loop with polls overlapped: the next poll is fetched and handled while the
previous one's records finish (their provider calls, settle and interactions).

What each poll keeps, as the plain loop (:class:`shared.consumer.ConsumeLoop`) does:

- **Each key in order across polls.** A record waits for the records of its key (topic,
  partition and key) of every earlier poll still under way; a debtor's request in the next
  poll is claimed only after the one before it settled, so it sees that one's reservations.
  If the earlier one failed (it is read again), the later one is not handled either.
- **Offsets in poll order, after the effects.** A poll commits only once every earlier poll
  has finished and committed; after a transient failure seeks a partition back, no poll
  fetched before the seek commits that partition (its records are read again, in order).
- **Staged records** (contact details) are staged and flushed one poll after another.
- **Rebalance and shutdown** wait for every poll under way, then commit, as before.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from shared.consumer import ConsumeLoop, ConsumerConfig, raise_first_failure
from shared.errors import RetryableError
from shared.ports import EventPublisher, EventSource, Partition, R

#: A key's place in the order: (partition, the record's key).
Key = tuple[Partition, bytes | None]
#: A turn that ended with its records handled.
DONE: Final = -1
#: The key of a poll's staged records (flushed together, one poll after another).
STAGED: Final = Partition("", -1)


@dataclass
class _Poll:
    """One poll under way: what it waits for, what it holds, when it was fetched."""

    #: Set once the poll before it has finished and committed.
    before: asyncio.Future[int] | None
    done: asyncio.Future[int]
    #: Each of its keys: the earlier poll's turn it waits for, and its own; a turn's result
    #: is :data:`DONE`, or the seek count its records were fetched at when they failed.
    turns: dict[Key, tuple[asyncio.Future[int] | None, asyncio.Future[int]]]
    #: Each partition's seek count when it was fetched.
    epochs: dict[Partition, int] = field(default_factory=dict)


_CURRENT: contextvars.ContextVar[_Poll] = contextvars.ContextVar("poll")


class OverlappedConsumeLoop(ConsumeLoop[R]):
    """:class:`ConsumeLoop` with up to ``overlap`` polls under way at once (see the module)."""

    def __init__(
        self,
        source: EventSource[R],
        config: ConsumerConfig,
        handler: Callable[[R], Awaitable[None]],
        dead_letters: EventPublisher,
        flush: Callable[[], Awaitable[None]] | None = None,
        *,
        overlap: int = 2,
    ) -> None:
        super().__init__(source, config, handler, dead_letters, flush)
        self._overlap = max(1, overlap)
        self._polls: set[asyncio.Task[None]] = set()
        self._last: asyncio.Future[int] | None = None
        self._turns: dict[Key, asyncio.Future[int]] = {}
        self._epochs: dict[Partition, int] = {}
        self._steady = asyncio.Event()
        self._steady.set()

    async def _wait_for_batch(self) -> None:
        self._steady.clear()  # no poll is started until the rebalance has its partitions
        try:
            await super()._wait_for_batch()
        finally:
            self._steady.set()

    async def _poll_until_stopped(self) -> None:
        config = self._config
        try:
            while not self._stopping.is_set():
                await self._free_slot()
                batches = await self._source.getmany(config.poll_timeout_s, config.max_batch)
                self._last_poll = time.monotonic()
                if not batches or self._stopping.is_set():
                    continue  # fetched after stop(): uncommitted, read again by the next owner
                epochs = dict(self._epochs)  # as fetched (a seek meanwhile: not committed)
                batches = await self._top_up(batches)
                await self._steady.wait()  # a rebalance under way has taken its partitions
                self._launch(batches, epochs)
        finally:
            await self._drain()

    async def _free_slot(self) -> None:
        """Wait until fewer than ``overlap`` polls are under way; a bug in one stops the loop."""
        self._raise_bugs()
        while len(self._polls) >= self._overlap:
            await asyncio.wait(self._polls, return_when=asyncio.FIRST_COMPLETED)
            self._raise_bugs()

    def _raise_bugs(self) -> None:
        for task in [t for t in self._polls if t.done()]:
            self._polls.discard(task)
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error

    async def _drain(self) -> None:
        if self._polls:
            await asyncio.wait(self._polls)
        self._raise_bugs()

    def _launch(
        self, batches: Mapping[Partition, Sequence[R]], epochs: dict[Partition, int]
    ) -> None:
        """Start handling one poll, its place in every key's order taken at once."""
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        poll = _Poll(self._last, done, {}, {tp: epochs.get(tp, 0) for tp in batches})
        self._last = done
        keys: set[Key] = set()  # (the staged records of every partition: one turn)
        for tp, records in batches.items():
            keyed = not (self._flush and self._is_staged(tp.topic))
            keys.update((tp, r.key) if keyed else (STAGED, None) for r in records)
        for key in keys:
            mine: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            poll.turns[key] = (self._turns.get(key), mine)
            self._turns[key] = mine
        self._idle.clear()
        context = contextvars.copy_context()
        context.run(_CURRENT.set, poll)
        task = asyncio.get_running_loop().create_task(
            self._run_poll(poll, batches), context=context
        )
        self._polls.add(task)
        task.add_done_callback(lambda _: self._settled())

    def _settled(self) -> None:
        if all(t.done() for t in self._polls):
            self._idle.set()

    async def _run_poll(self, poll: _Poll, batches: Mapping[Partition, Sequence[R]]) -> None:
        try:
            await self._handle_poll(batches)
        finally:
            for key, (_, mine) in poll.turns.items():
                # A turn not taken (a failure before it) counts as failed.
                _resolve(mine, poll.epochs.get(key[0], 0))
                if self._turns.get(key) is mine:
                    del self._turns[key]
            if poll.before is not None:
                await asyncio.wait({poll.before})  # the done of a poll follows its predecessor's
            _resolve(poll.done, DONE)

    async def _handle_by_key(self, records: Sequence[R]) -> None:
        tp = Partition(records[0].topic, records[0].partition)
        groups: dict[bytes | None, list[R]] = {}
        for record in records:
            groups.setdefault(record.key, []).append(record)
        slots = asyncio.Semaphore(self._config.key_concurrency)
        poll = _CURRENT.get()
        epoch = poll.epochs[tp]

        async def in_turn(key: bytes | None, group: list[R]) -> None:
            earlier, mine = poll.turns[(tp, key)]
            result = epoch
            try:
                # An earlier record of the key failed, fetched before the seek back that reads
                # it again: this one (fetched then too) is read again after it, not handled now.
                if earlier is not None and await earlier == epoch:
                    raise RetryableError("an earlier poll's record of this key is read again")
                async with slots:
                    for record in group:
                        await self._handle_one(record)
                result = DONE
            finally:
                _resolve(mine, result)

        outcomes = await asyncio.gather(
            *(in_turn(k, g) for k, g in groups.items()), return_exceptions=True
        )
        raise_first_failure(outcomes)

    async def _handle_staged(
        self, batches: Mapping[Partition, Sequence[R]], flush: Callable[[], Awaitable[None]]
    ) -> None:
        earlier, mine = _CURRENT.get().turns[(STAGED, None)]
        try:
            if earlier is not None:
                await asyncio.wait({earlier})
            await super()._handle_staged(batches, flush)
        finally:
            _resolve(mine, DONE)

    async def _commit(self, offsets: Mapping[Partition, int]) -> None:
        poll = _CURRENT.get(None)
        if poll is not None:
            if poll.before is not None:
                await asyncio.wait({poll.before})
            offsets = {
                tp: o for tp, o in offsets.items() if self._epochs.get(tp, 0) == poll.epochs[tp]
            }
            if not offsets:
                return
        await super()._commit(offsets)

    async def _retry(self, positions: Mapping[Partition, int], error: RetryableError) -> None:
        """Seek back once every earlier poll is done, unless one of them sought the partition
        back already (to an earlier offset: it reads these records again too)."""
        poll = _CURRENT.get(None)
        if poll is not None:
            if poll.before is not None:
                await asyncio.wait({poll.before})
            stale = {tp for tp in positions if self._epochs.get(tp, 0) != poll.epochs[tp]}
            positions = {tp: o for tp, o in positions.items() if tp not in stale}
            if not positions:
                return
        for tp in positions:
            self._epochs[tp] = self._epochs.get(tp, 0) + 1
        await super()._retry(positions, error)


def consume_loop(
    source: EventSource[R],
    config: ConsumerConfig,
    handler: Callable[[R], Awaitable[None]],
    dead_letters: EventPublisher,
    flush: Callable[[], Awaitable[None]] | None,
    overlap: int,
) -> ConsumeLoop[R]:
    """The plain loop for one poll at a time (``overlap`` 1), the overlapped one otherwise;
    overlapping needs keys side by side (each key's order is what it keeps)."""
    if overlap <= 1 or config.key_concurrency <= 1:
        return ConsumeLoop(source, config, handler, dead_letters, flush)
    return OverlappedConsumeLoop(source, config, handler, dead_letters, flush, overlap=overlap)


def _resolve(future: asyncio.Future[int], result: int) -> None:
    if not future.done():
        future.set_result(result)
