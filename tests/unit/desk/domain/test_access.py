"""Who may see and do what."""

from __future__ import annotations

import pytest

from services.desk.domain import access
from services.desk.domain.sla import SlaPolicy
from services.desk.domain.tasks import open_task
from tests.support.desk import AGENT, CN, FIELD_AGENT, SUPERVISOR, Loan

TASK = open_task(
    Loan().task(),
    teams={},
    default_team="collections",
    policy=SlaPolicy(),
    calendar=CN,
    case=None,
)


def test_an_agent_keeps_to_their_team() -> None:
    access.check_queue(AGENT, "collections")
    access.check_task(AGENT, TASK)
    access.check_case(AGENT, [TASK])
    with pytest.raises(access.NotAllowed):
        access.check_queue(FIELD_AGENT, "collections")
    with pytest.raises(access.NotAllowed):
        access.check_task(FIELD_AGENT, TASK)
    with pytest.raises(access.NotAllowed):
        access.check_case(FIELD_AGENT, [TASK])
    with pytest.raises(access.NotAllowed):
        access.check_case(AGENT, [])


def test_an_agent_takes_for_themselves_a_supervisor_assigns_anything() -> None:
    access.check_assignment(AGENT, TASK, None, AGENT.id)
    access.check_assignment(AGENT, TASK, "collections", None)
    with pytest.raises(access.NotAllowed, match="another team"):
        access.check_assignment(AGENT, TASK, "field", None)
    with pytest.raises(access.NotAllowed, match="someone else"):
        access.check_assignment(AGENT, TASK, None, "agent-9")
    access.check_assignment(SUPERVISOR, TASK, "field", "agent-3")
    access.check_queue(SUPERVISOR, "field")
