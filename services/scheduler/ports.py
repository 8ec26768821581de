"""The scheduler's ports: loan contact state (a faust Table in production)."""

from __future__ import annotations

from typing import Protocol

from services.scheduler.domain import LoanContactState


class ContactStateStore(Protocol):
    """Each loan's contact state, keyed by loan id."""

    def get(self, loan_id: str) -> LoanContactState: ...

    def put(self, loan_id: str, state: LoanContactState) -> None: ...
