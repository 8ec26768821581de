"""One contract for the field visits' store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.desk.adapters.sql.visits import SqlVisitStore
from services.desk.adapters.visit_memory import InMemoryVisitStore
from services.desk.domain import visits as rules
from services.desk.domain.model import StaleWrite
from services.desk.ports import VisitStore
from tests.support.desk import Loan
from tests.support.stores import KINDS, desk_engine
from tests.support.visits import proposal


@pytest.fixture(params=KINDS)
async def visits(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VisitStore]:
    async with desk_engine(request, tmp_path) as engine:
        yield InMemoryVisitStore() if engine is None else SqlVisitStore(engine)


async def test_a_visit_round_trips_and_versions(visits: VisitStore) -> None:
    loan = Loan()
    new = rules.proposed(proposal(loan))
    await visits.keep_visit(new)
    stored = await visits.visit(new.visit_id)
    assert stored == new.model_copy(update={"version": 1})
    with pytest.raises(StaleWrite):
        await visits.keep_visit(new)  # version 0: must not exist yet
    confirmed = rules.on_notice(stored, "delivered", loan.interaction("delivery_reported"))
    assert confirmed is not None
    await visits.keep_visit(confirmed)
    with pytest.raises(StaleWrite):
        await visits.keep_visit(confirmed)  # read at version 1, now 2
    again = await visits.visit(new.visit_id)
    assert again is not None
    assert (again.state, again.version) == ("confirmed", 2)


async def test_found_by_its_notice_and_listed_by_loan_in_order(visits: VisitStore) -> None:
    loan, other = Loan(), Loan()
    second, first = rules.proposed(proposal(loan, 2)), rules.proposed(proposal(loan, 1))
    for visit in (second, first, rules.proposed(proposal(other))):
        await visits.keep_visit(visit)
    found = await visits.visit_for_notice(second.notice_id)
    assert found is not None
    assert found.visit_id == second.visit_id
    assert await visits.visit_for_notice("no-such-notice") is None
    assert await visits.visit("no-such-visit") is None
    listed = await visits.visits_of_loan(loan.loan_id)
    assert [v.sequence for v in listed] == [1, 2]
