"""An in-memory directory feed: the contact details a restarted notifier catches up on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from shared.events import ContactDetailsChanged


class InMemoryDirectoryFeed:
    """:class:`~services.notifier.ports.DirectoryFeed` over a list of contact details."""

    def __init__(self, backlog: Sequence[ContactDetailsChanged] = ()) -> None:
        self.backlog = list(backlog)
        self.caught_up = 0

    async def catch_up(
        self, apply: Callable[[Sequence[ContactDetailsChanged]], Awaitable[None]]
    ) -> int:
        if self.backlog:
            await apply(list(self.backlog))
        self.caught_up += 1
        return len(self.backlog)
