"""A case's evidence, read from the audit service under the person's own identity: the desk
checks the case is theirs to see, then signs a case grant for that one loan
(:mod:`shared.case_grants`), and the audit service logs the read under the person's id."""

from __future__ import annotations

from typing import Any

from services.desk.domain.access import Person, check_case
from services.desk.domain.evidence import EvidenceUnavailable
from services.desk.handlers.context import DeskContext
from services.desk.handlers.reads import CaseNotFound


async def case_evidence(loan_id: str, person: Person, ctx: DeskContext) -> list[dict[str, Any]]:
    """The loan's entries in the evidence log.

    :raises CaseNotFound: no such loan here. :raises NotAllowed: another team's case.
    :raises EvidenceUnavailable: no evidence log configured, or it did not answer.
    """
    if await ctx.store.case(loan_id) is None:
        raise CaseNotFound("no such loan")
    check_case(person, await ctx.store.tasks_of_loan(loan_id))
    if ctx.evidence is None:
        raise EvidenceUnavailable("no evidence log is configured")
    return await ctx.evidence.timeline(loan_id, ctx.grants.sign(person.id, loan_id))
