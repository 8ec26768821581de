"""The scheduler's ports: loan state (a faust Table in production), a core system's Avro, the
gate commits wait at, and the bundle of them the use cases are given."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from services.scheduler.domain.context import Context
from services.scheduler.domain.decisions import SweepView
from services.scheduler.domain.loan import Loan
from services.scheduler.domain.translation import Translated
from shared.ports import EventPublisher
from shared.topics import Topics


class LoanStore(Protocol):
    """Each loan's state, keyed by loan id."""

    def get(self, loan_id: str) -> Loan | None: ...

    def put(self, loan: Loan) -> None: ...

    def in_partition(
        self, partition: int, skip: Callable[[SweepView], bool] | None = None
    ) -> Iterator[Loan]:
        """The loans whose events arrive on ``partition`` (the sweep's share of the book), but
        those ``skip`` leaves out: it is asked once of every loan of the partition, on as little
        of the loan as the store can read (a store of bytes need not rebuild a skipped loan)."""
        ...

    def __len__(self) -> int: ...


class RecordGate(Protocol):
    """Held while one record is handled: a commit of the offsets waits for the record in hand
    (its state written, its outputs sent) and no record starts while a commit runs."""

    def handling(self) -> AbstractAsyncContextManager[None]: ...


#: A core system's Avro record (value, key): one translation per event it carries (a bulk record
#: carries several), each with the Dunwell events it maps to (none: acknowledged and ignored).
#: Raises :class:`~shared.errors.InvalidEvent` for a record it cannot read (Fineract's adapter).
TranslateAvro = Callable[[bytes, bytes | None], tuple[Translated, ...]]


class Dependencies(Protocol):
    """What the scheduler's use cases are given (:class:`~services.scheduler.bootstrap.Deps`)."""

    @property
    def loans(self) -> LoanStore: ...

    @property
    def publisher(self) -> EventPublisher: ...

    @property
    def topics(self) -> Topics: ...

    @property
    def plan(self) -> Context:
        """The contact strategy and the business calendar."""

    @property
    def avro(self) -> TranslateAvro: ...

    @property
    def gate(self) -> RecordGate: ...
