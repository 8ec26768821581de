"""One contract for the desk's dispute register: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.desk.domain.disputes import Dispute, register, resolve
from services.desk.domain.model import StaleWrite
from services.desk.ports import DeskStore
from shared.events import DisputeOpened, derived_event_id
from tests.contract.test_desk_store import store
from tests.support.desk import CN, CN_ANSWERS, OPENED, Loan

__all__ = ["store"]  # the parametrised store fixture (memory, sqlite, postgres)


def entry(loan: Loan, category: str = "dispute", day: int = 4) -> Dispute:
    event = DisputeOpened.model_validate(
        {
            "event_id": derived_event_id(loan.loan_id, "dispute", category, str(day)),
            "occurred_at": OPENED + timedelta(days=day - 4),
            "loan_id": loan.loan_id,
            "debtor_id": loan.debtor_id,
            "category": category,
            "origin": "reply",
            "origin_id": f"reply-{day}",
            "opened_on": date(2026, 3, day),
        }
    )
    return register(event, CN_ANSWERS, CN)


async def test_an_entry_round_trips_and_versions(store: DeskStore) -> None:
    new = entry(Loan())
    await store.save_dispute(new)
    stored = await store.dispute(new.dispute_id)
    assert stored == new.model_copy(update={"version": 1})
    with pytest.raises(StaleWrite):
        await store.save_dispute(new)  # version 0: must not exist yet
    assert stored is not None
    done = resolve(stored, resolution="upheld", note="fee refunded", by="sup-1", at=OPENED)
    await store.save_dispute(done)
    with pytest.raises(StaleWrite):
        await store.save_dispute(done)  # read at version 1, now at 2
    again = await store.dispute(new.dispute_id)
    assert again == done.model_copy(update={"version": 2})
    assert await store.dispute("no-such-dispute") is None


async def test_the_register_lists_by_status_the_earliest_answer_due_first(
    store: DeskStore,
) -> None:
    loan, other = Loan(), Loan()
    late, early, third = entry(loan, day=10), entry(loan, "complaint", day=4), entry(other, day=6)
    for new in (late, early, third):
        await store.save_dispute(new)
    stored = await store.dispute(third.dispute_id)
    assert stored is not None
    await store.save_dispute(resolve(stored, resolution="rejected", note=None, by="s", at=OPENED))
    assert [d.dispute_id for d in await store.disputes("open", 10)] == [
        early.dispute_id,
        late.dispute_id,
    ]
    assert [d.dispute_id for d in await store.disputes("resolved", 10)] == [third.dispute_id]
    assert len(await store.disputes(None, 2)) == 2
    assert [d.dispute_id for d in await store.disputes_of_loan(loan.loan_id)] == [
        early.dispute_id,
        late.dispute_id,
    ]
