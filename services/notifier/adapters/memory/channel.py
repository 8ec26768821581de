"""An in-memory outbound channel: keeps what it was asked to send, fails on request."""

from __future__ import annotations

from services.notifier.domain.model import (
    Attempting,
    DeliveryUncertain,
    no_record,
)
from services.notifier.domain.templates import Rendered


class InMemoryChannel:
    """Keeps what it was asked to send; ``fail_with`` makes the next send raise."""

    def __init__(self, provider: str = "memory") -> None:
        self.provider = provider
        self.sent: list[tuple[str, Rendered, str]] = []
        self.fail_with: Exception | None = None
        self.askable = False
        self.known: dict[str, str] = {}  # key -> provider id, for reconciliation

    async def send(
        self,
        address: str,
        message: Rendered,
        *,
        key: str,
        message_id: str,
        attempting: Attempting = no_record,
    ) -> tuple[str, str]:
        await attempting(self.provider)
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.sent.append((address, message, key))
        return self.provider, message_id

    async def reconcile(self, provider: str, address: str, *, key: str) -> str | None:
        """What the provider knows, if it can be asked (``askable``)."""
        if not self.askable:
            raise DeliveryUncertain(f"{provider}: no way to ask")
        return self.known.get(key)
