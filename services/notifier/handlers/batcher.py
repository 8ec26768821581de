"""Contact requests handled side by side (a poll's records) gathered into send batches
(:mod:`.batch`), each request awaiting its own outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.notifier.handlers.batch import Batch, Lanes
from services.notifier.handlers.context import SendContext
from services.notifier.handlers.grouping import Grouped, Settles
from shared.errors import RetryableError
from shared.events import ContactRequested


class SendBatcher:
    """Contact requests handled side by side (a poll's records) sent as batches."""

    def __init__(
        self, ctx: SendContext, *, concurrency: int, max_size: int = 500, overlap: int = 1
    ) -> None:
        self.ctx = ctx
        self.lanes = Lanes(
            ctx,
            calls=asyncio.Semaphore(concurrency),
            attempts=Grouped(self._mark, max_size=max_size, name="send-attempts"),
            settles=Settles(),
        )
        #: Batches between claim and settle (receipts that overtook their send wait for it).
        self.settles = self.lanes.settles
        #: Other records' handlers under way at once (requests are batched, not bounded).
        self.others = asyncio.Semaphore(concurrency)
        #: With ``overlap``, the next poll's batch is claimed and called while the one before
        #: it finishes (a debtor's next request is submitted only once its last is done).
        self._requests: Grouped[ContactRequested, None] = Grouped(
            self._rounds, max_size=max_size, name="send-batch", overlap=overlap
        )

    async def send(self, request: ContactRequested) -> None:
        """Send ``request`` in the batch it joins; its own error (if any) is raised here."""
        await self._requests.submit(request)

    async def _mark(self, attempts: Sequence[tuple[str, str]]) -> list[None]:
        await self.ctx.store.mark_attempts(attempts)
        return [None] * len(attempts)

    async def _rounds(self, requests: Sequence[ContactRequested]) -> list[BaseException | None]:
        """The batch in rounds of distinct debtors (a debtor's second request goes after its
        first, as one by one); a failed round fails the rounds after it."""
        results: dict[int, BaseException | None] = {}
        for round_ in _rounds(requests):
            try:
                found = await Batch(self.lanes, [requests[i] for i in round_]).run()
            except Exception as e:  # the whole round (its claim or its settle) failed
                found = [e] * len(round_)
            results |= dict(zip(round_, found, strict=True))
            if any(isinstance(r, RetryableError) for r in found):
                rest = [i for i in range(len(requests)) if i not in results]
                error = next(r for r in found if isinstance(r, RetryableError))
                results |= dict.fromkeys(rest, error)
                break
        return [results[i] for i in range(len(requests))]


def _rounds(requests: Sequence[ContactRequested]) -> list[list[int]]:
    """Indexes of ``requests`` by round: a debtor's n-th request of the batch in round n."""
    rounds: list[list[int]] = []
    times: dict[str, int] = {}
    for i, request in enumerate(requests):
        n = times.get(request.debtor_id, 0)
        times[request.debtor_id] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(i)
    return rounds
