"""What the provider-callback use cases need, wired once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.notifier.domain.policy.pack import Pack
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
