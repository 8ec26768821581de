"""Field visits in memory: the same contract as the SQL store (tests, component suite)."""

from __future__ import annotations

from services.desk.domain.model import StaleWrite
from services.desk.domain.visits import Visit


class InMemoryVisitStore:
    """:class:`~services.desk.ports.VisitStore` in a dictionary."""

    def __init__(self) -> None:
        self.visits: dict[str, Visit] = {}

    async def visit(self, visit_id: str) -> Visit | None:
        return self.visits.get(visit_id)

    async def visit_for_notice(self, notice_id: str) -> Visit | None:
        return next((v for v in self.visits.values() if v.notice_id == notice_id), None)

    async def visits_of_loan(self, loan_id: str) -> list[Visit]:
        found = [v for v in self.visits.values() if v.loan_id == loan_id]
        return sorted(found, key=lambda v: (v.episode, v.sequence))

    async def keep_visit(self, visit: Visit) -> None:
        stored = self.visits.get(visit.visit_id)
        if (stored.version if stored is not None else 0) != visit.version:
            raise StaleWrite("changed since it was read")
        self.visits[visit.visit_id] = visit.model_copy(update={"version": visit.version + 1})
