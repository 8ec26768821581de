"""What the provider-callback use cases need, wired once by the composition root."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.notifier.domain.policy.pack import Pack
from services.notifier.handlers.grouping import Grouped, Settles
from services.notifier.ports import NotifierStore
from shared.ports import EventPublisher


@dataclass(frozen=True)
class CallbackContext:
    store: NotifierStore
    publisher: EventPublisher
    interactions_topic: str
    replies_topic: str
    packs: Sequence[Pack]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    #: The bank's verification key: what an uncertain send settled by a receipt is recorded
    #: with (its verification code); empty, no code.
    verification_secret: bytes = b""
    #: Callbacks remembered as seen group-committed (concurrent ones share one commit, each
    #: answered once its own is durable); None: one commit each.
    first_times: Grouped[tuple[str, datetime], bool] | None = None
    #: The send batches under way: a receipt that overtook its send's settle waits for it.
    settles: Settles | None = None
    #: How long such a receipt waits before it is refused for now (the provider retries).
    settle_wait_s: float = 2.0
    #: Set when a send was settled (or a receipt kept): kept receipts are looked at again.
    wake: asyncio.Event = field(default_factory=asyncio.Event)
