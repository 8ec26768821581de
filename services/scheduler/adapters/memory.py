"""In-memory adapters of the scheduler's ports, for tests and what-if runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

from services.scheduler.domain.decisions import SweepView
from services.scheduler.domain.loan import Loan


class InMemoryLoanStore:
    """:class:`~services.scheduler.ports.LoanStore` in a dict (every write is durable at once)."""

    def __init__(self) -> None:
        self.loans: dict[str, Loan] = {}

    def get(self, loan_id: str) -> Loan | None:
        return self.loans.get(loan_id)

    def put(self, loan: Loan) -> None:
        self.loans[loan.loan_id] = loan

    def in_partition(
        self, partition: int, skip: Callable[[SweepView], bool] | None = None
    ) -> Iterator[Loan]:
        mine = [loan for loan in self.loans.values() if loan.partition == partition]
        yield from (loan for loan in mine if skip is None or not skip(loan))

    def __len__(self) -> int:
        return len(self.loans)


class OpenGate:
    """:class:`~services.scheduler.ports.RecordGate` with nothing to wait for (no commits)."""

    @asynccontextmanager
    async def handling(self) -> AsyncIterator[None]:
        yield
