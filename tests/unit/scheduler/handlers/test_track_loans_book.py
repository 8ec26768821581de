"""A whole simulated book through the loan tracker decides exactly what it always did.

The digest covers every record published (topic, key, headers, value) in order and every loan's
final state in the Table's bytes. It was taken from the tracker before the sweep's shortcuts and
the cheaper output encoding; any change to a decision, an output's bytes or a state changes it.
It also moves when the simulator (``sandbox.loanbook``), the ``cn`` strategy or its calendar
change: then take it again from the code before the change being checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from services.scheduler.adapters import loan_codec
from services.scheduler.bootstrap import memory_deps
from services.scheduler.domain.decisions import SweepView
from services.scheduler.domain.loan import Loan
from shared.testing.memory import InMemoryEventPublisher
from tests.support.scheduler_book import run_book

BOOK_DIGEST = "d9854f4e7e1083db016a35b7723dae3645d1231a190757ad2596d1625a390f46"


class BytesLoanStore:
    """A loan store holding each state as the Table's bytes, as RocksDB does: every read
    decodes, every write encodes, and the sweep's shortcut reads the stored form."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}

    def get(self, loan_id: str) -> Loan | None:
        value = self.values.get(loan_id)
        return None if value is None else loan_codec.loads(value)

    def put(self, loan: Loan) -> None:
        self.values[loan.loan_id] = loan_codec.dumps(loan)

    def in_partition(
        self, partition: int, skip: Callable[[SweepView], bool] | None = None
    ) -> Iterator[Loan]:
        """As the Table on RocksDB: each value read as far as ``skip`` asks, then rebuilt."""
        for value in list(self.values.values()):
            found = loan_codec.stored(value)
            assert isinstance(found, loan_codec.StoredLoan)
            if found.loan().partition != partition:
                continue  # (RocksDB keeps a database per partition)
            if skip is None or not skip(found):
                yield found.loan()

    def __len__(self) -> int:
        return len(self.values)


def _book_digest(loans: int = 200, days: int = 70) -> tuple[str, int]:
    store, publisher = BytesLoanStore(), InMemoryEventPublisher(source="/dunwell/scheduler")
    deps = memory_deps(loans=store, publisher=publisher)

    run_book(deps, loans, days, "digest", topic="corebanking.loan-events.v1")
    digest, published = hashlib.sha256(), 0
    for topic in sorted(publisher.records):
        for kafka_record in publisher.records[topic]:
            published += 1
            digest.update(topic.encode() + b"\0" + (kafka_record.key or b"") + b"\0")
            for name, value in kafka_record.headers:
                digest.update(name.encode() + b"=" + value + b"\0")
            digest.update(kafka_record.value + b"\0")
    for loan_id in sorted(store.values):
        loan = loan_codec.loads(store.values[loan_id])
        # Kept since the digest was taken (the last day each loan was judged as of): every loan
        # has one, and the state is otherwise the bytes it was.
        assert loan.evaluated_on is not None
        digest.update(loan_codec.dumps(loan.model_copy(update={"evaluated_on": None})) + b"\0")
    return digest.hexdigest(), published


def test_a_simulated_book_decides_and_stores_exactly_what_it_did() -> None:
    digest, published = _book_digest()
    assert published > 1_000  # the book calls for requests, tasks, ranges and withdrawals
    assert digest == BOOK_DIGEST
