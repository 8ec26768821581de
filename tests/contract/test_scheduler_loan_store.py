"""One suite for every LoanStore adapter: the in-memory store and the faust Table store (over a
mapping, as faust's Table is one; the component tests run it on faust's memory and RocksDB
stores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.scheduler.adapters.faust import TableLoanStore
from services.scheduler.adapters.memory import InMemoryLoanStore
from services.scheduler.domain.decisions import SweepView
from services.scheduler.domain.loan import Loan
from services.scheduler.ports import LoanStore


def _table() -> LoanStore:
    table: dict[str, Any] = {}
    return TableLoanStore(table)


@pytest.fixture(params=[InMemoryLoanStore, _table], ids=["memory", "faust-table"])
def store(request: pytest.FixtureRequest) -> LoanStore:
    factory: Callable[[], LoanStore] = request.param
    return factory()


def loan(loan_id: str, partition: int = 0, **fields: Any) -> Loan:
    return Loan(
        loan_id=loan_id,
        debtor_id=f"debtor-{loan_id}",
        account_masked="****5678",
        product="personal-loan",
        currency="CNY",
        partition=partition,
        **fields,
    )


async def test_a_loan_put_is_got_back_equal(store: LoanStore) -> None:
    kept = loan("l1", applied={"t": 4}, recent_ids=("e1",), fired=frozenset({"step:a"}))
    store.put(kept)
    assert store.get("l1") == kept
    assert store.get("l2") is None


async def test_a_put_replaces_the_loans_state(store: LoanStore) -> None:
    store.put(loan("l1"))
    store.put(loan("l1", episode=2))
    got = store.get("l1")
    assert got is not None
    assert got.episode == 2
    assert len(store) == 1


async def test_each_partition_sweeps_its_own_loans(store: LoanStore) -> None:
    for n in range(6):
        store.put(loan(f"l{n}", partition=n % 3))
    assert sorted(x.loan_id for x in store.in_partition(1)) == ["l1", "l4"]
    assert list(store.in_partition(7)) == []
    assert len(store) == 6


async def test_the_sweep_may_write_while_it_walks_a_partition(store: LoanStore) -> None:
    for n in range(3):
        store.put(loan(f"l{n}"))
    for found in store.in_partition(0):
        store.put(found.model_copy(update={"episode": 1}))
    assert all(x.episode == 1 for x in store.in_partition(0))


async def test_a_skipped_loan_is_asked_about_once_and_left_out(store: LoanStore) -> None:
    for n in range(6):
        store.put(loan(f"l{n}", partition=n % 2, episode=n))
    asked: list[str] = []

    def skip(view: SweepView) -> bool:
        asked.append(str(view.debtor_id))
        return view.debtor_id == "debtor-l2"

    assert sorted(x.loan_id for x in store.in_partition(0, skip)) == ["l0", "l4"]
    assert sorted(asked) == ["debtor-l0", "debtor-l2", "debtor-l4"]  # each of the partition, once
    assert sorted(x.loan_id for x in store.in_partition(0, lambda _: False)) == ["l0", "l2", "l4"]
