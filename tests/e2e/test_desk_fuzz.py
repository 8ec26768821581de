"""schemathesis against the desk's OpenAPI document, on the running desk: whatever a caller
sends, signed in or not, the answer is never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import Case

from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.stack import Stack
from services.desk.entrypoints.api import OPENAPI
from tests.support.fuzz import fuzz, never_5xx, running

pytestmark = pytest.mark.broker
DESK = schemathesis.openapi.from_dict(OPENAPI)
SUPERVISOR = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['supervisor-1']['token']}"}
AGENT = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['agent-1']['token']}"}
FUZZ = fuzz(60)


@pytest.fixture(scope="module")
def desk(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(broker, tmp_path_factory.mktemp("deskfuzz"), "dfuzz", "desk") as stack:
        yield stack


@DESK.parametrize()
@FUZZ
def test_the_desk_never_answers_5xx_to_a_supervisor(case: Case[Any], desk: Stack) -> None:
    never_5xx(case, desk, "desk", SUPERVISOR)


@DESK.parametrize()
@FUZZ
def test_the_desk_never_answers_5xx_to_an_agent(case: Case[Any], desk: Stack) -> None:
    never_5xx(case, desk, "desk", AGENT)


@DESK.parametrize()
@FUZZ
def test_the_desk_never_answers_5xx_to_a_stranger(case: Case[Any], desk: Stack) -> None:
    never_5xx(case, desk, "desk", {})
