"""Provider callbacks, provider-free (pure): what arrived, what it said, what to answer.

Each provider's plug turns a :class:`CallbackRequest` into an :class:`Inbound` (receipts and
replies in the order they came, and the answer the provider expects), or refuses it with
:class:`CallbackRefused`. The web entry point and the receipt/reply use case see only these.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.events import Channel

#: How old a signed callback may be (seconds).
FRESHNESS_S = 300


@dataclass(frozen=True)
class CallbackRequest:
    """One callback as it arrived, free of the web framework."""

    method: str
    #: The route's path after ``/v1/callbacks/<provider>``, as the plug declared it.
    route: str
    #: The path and query as received (Twilio signs the full URL).
    path_qs: str
    body: bytes = b""
    content_type: str = ""
    params: Mapping[str, str] = field(default_factory=dict)  # path parameters
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """A delivery report: ``ids`` are the provider's ids of the send, best first."""

    ids: tuple[str, ...]
    status: str
    dedupe: str
    #: The recipient, when the provider names it (WeChat): what matches a send whose id we
    #: never learned (an uncertain send, a subscribe message).
    recipient: tuple[Channel, str] | None = None
    #: The provider says the message did not arrive (blocked, refused, failed).
    failed: bool = False


@dataclass(frozen=True)
class EarlyReceipt:
    """A receipt that came before the ledger knew its send (it overtook the provider's answer
    to the send): kept, answered 2xx, and taken once a settled send carries one of its ids."""

    provider: str
    receipt: Receipt
    at: datetime

    @property
    def key(self) -> str:
        """What the receipt is remembered by once taken (as every receipt is)."""
        return receipt_key(self.provider, self.receipt)


def receipt_key(provider: str, receipt: Receipt) -> str:
    return f"{provider}:receipt:{receipt.dedupe}"


@dataclass(frozen=True)
class Reply:
    """A borrower's answer on ``channel`` from ``address``."""

    channel: Channel
    address: str
    text: str
    dedupe: str


@dataclass(frozen=True)
class Answer:
    """What the provider expects back once the callback is taken."""

    status: int = 200
    text: str = ""
    content_type: str = "text/plain"


@dataclass(frozen=True)
class Inbound:
    items: Sequence[Receipt | Reply]
    answer: Answer


class CallbackRefused(Exception):
    """Not taken. ``counted`` refusals (forged, unreadable) count as rejected in the metrics."""

    def __init__(self, status: int, why: str, *, counted: bool = True) -> None:
        super().__init__(why)
        self.status, self.why, self.counted = status, why, counted


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets or signatures."""
    return hmac.compare_digest(a.encode(), b.encode())
