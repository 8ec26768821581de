"""The scheduler's ports: loan state (a faust Table in production)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from services.scheduler.loan import Loan


class LoanStore(Protocol):
    """Each loan's state, keyed by loan id."""

    def get(self, loan_id: str) -> Loan | None: ...

    def put(self, loan: Loan) -> None: ...

    def in_partition(self, partition: int) -> Iterator[Loan]:
        """The loans whose events arrive on ``partition`` (the sweep's share of the book)."""
        ...

    async def durable(self) -> None:
        """Return once every write so far is stored (before the input's offset may be committed)."""
        ...
