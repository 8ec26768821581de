"""The dispute register in memory (part of the in-memory desk store), as the SQL store keeps it."""

from __future__ import annotations

from services.desk.domain.disputes import Dispute, DisputeStatus
from services.desk.domain.model import StaleWrite


class InMemoryDisputes:
    """Register entries in a dictionary, written at the version they were read."""

    dispute_rows: dict[str, Dispute]

    async def save_dispute(self, dispute: Dispute) -> None:
        stored = self.dispute_rows.get(dispute.dispute_id)
        if (stored.version if stored is not None else 0) != dispute.version:
            raise StaleWrite("the dispute changed since it was read")
        self.dispute_rows[dispute.dispute_id] = dispute.model_copy(
            update={"version": dispute.version + 1}
        )

    async def dispute(self, dispute_id: str) -> Dispute | None:
        return self.dispute_rows.get(dispute_id)

    async def disputes(self, status: DisputeStatus | None, limit: int) -> list[Dispute]:
        found = [d for d in self.dispute_rows.values() if status is None or d.status == status]
        return sorted(found, key=lambda d: (d.answer_due, d.dispute_id))[:limit]

    async def disputes_of_loan(self, loan_id: str) -> list[Dispute]:
        found = [d for d in self.dispute_rows.values() if d.loan_id == loan_id]
        return sorted(found, key=lambda d: (d.opened_at, d.dispute_id))
