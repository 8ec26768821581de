"""Completeness chains: each leaf names the previous leaf of its debtor and of its loan, so a
deleted entry in the middle of a case is noticed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from services.audit.domain.entries import NewEntry
from services.audit.domain.rows import LeafRow

LAST_INDEX_CACHE: Final = 200_000


@dataclass(frozen=True)
class Links:
    """The previous leaf of an entry's debtor and of its loan (None for the first one)."""

    prev_for_debtor: int | None
    prev_for_loan: int | None


def link(
    entries: Sequence[NewEntry],
    start: int,
    last_by_debtor: Mapping[str, int],
    last_by_loan: Mapping[str, int],
) -> list[Links]:
    """The links of entries appended from index ``start``, given each debtor's and loan's latest
    leaf before them; an entry links to an earlier one of the same batch."""
    by_debtor, by_loan = dict(last_by_debtor), dict(last_by_loan)
    links: list[Links] = []
    for index, entry in enumerate(entries, start):
        links.append(
            Links(
                by_debtor.get(entry.debtor_id) if entry.debtor_id else None,
                by_loan.get(entry.loan_id) if entry.loan_id else None,
            )
        )
        if entry.debtor_id:
            by_debtor[entry.debtor_id] = index
        if entry.loan_id:
            by_loan[entry.loan_id] = index
    return links


class LruIndex:
    """A bounded map from debtor or loan to its latest leaf index."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, int] = OrderedDict()

    def get(self, key: str) -> int | None:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key: str, index: int) -> None:
        self._items[key] = index
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)


@dataclass(frozen=True)
class Latest:
    """The latest leaf of each debtor and loan the cache knows, and those it must look up."""

    by_debtor: dict[str, int]
    by_loan: dict[str, int]
    unknown_debtors: set[str]
    unknown_loans: set[str]


class ChainHeads:
    """The latest leaf of each recently seen debtor and loan (the chains' heads), so that a
    batch asks the store only about the ones it has not seen."""

    def __init__(self, capacity: int = LAST_INDEX_CACHE) -> None:
        self._last = LruIndex(capacity)

    def lookup(self, entries: Sequence[NewEntry]) -> Latest:
        debtors = {e.debtor_id for e in entries if e.debtor_id}
        loans = {e.loan_id for e in entries if e.loan_id}
        by_debtor, by_loan = self._cached("d", debtors), self._cached("l", loans)
        return Latest(by_debtor, by_loan, debtors - by_debtor.keys(), loans - by_loan.keys())

    def _cached(self, prefix: str, ids: Iterable[str]) -> dict[str, int]:
        return {i: v for i in ids if (v := self._last.get(f"{prefix}:{i}")) is not None}

    def remember(self, rows: Iterable[LeafRow]) -> None:
        for row in rows:
            if row.debtor_id:
                self._last.put(f"d:{row.debtor_id}", row.index)
            if row.loan_id:
                self._last.put(f"l:{row.loan_id}", row.index)
