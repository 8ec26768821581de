"""A simulated book fed to the scheduler's own handler, record by record, as its stream
hands records over (the loan events and the closes of business, in the book's order)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date

from sandbox.loanbook import Item, simulated_book
from services.scheduler.bootstrap import Deps
from services.scheduler.entrypoints.consumers import StreamRecord
from services.scheduler.handlers.track_loans import handle_loan_record
from shared.events import encode

#: A Monday on which the cn pack is in force: the books of the scheduler's unit tests start on it.
BOOK_START = date(2026, 3, 2)
#: Where core banking's records say they come from.
CORE_SOURCE = "/corebanking/simulator"


def run_book(
    deps: Deps,
    loans: int,
    days: int,
    run: str,
    *,
    topic: str = "loans",
    before: Callable[[Item], None] | None = None,
) -> None:
    """A ``loans``-loan, ``days``-day book (named ``run``) through ``handle_loan_record`` on
    ``deps``; ``before`` is shown each item just before it is handled."""

    async def feed() -> None:
        book = simulated_book(loans, days=days, run=run, start=BOOK_START)
        for offset, item in enumerate(i for i in book if i.kind in ("loan", "close")):
            if before is not None:
                before(item)
            record = encode(item.event, source=CORE_SOURCE)
            await handle_loan_record(
                StreamRecord(
                    topic, item.partition or 0, offset, record.key, record.value, record.headers, 0
                ),
                deps,
            )

    asyncio.run(feed())
