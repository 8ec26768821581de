"""schemathesis against the desk's OpenAPI document, on the running desk: whatever a caller
sends, signed in or not, the answer is never a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case

from sandbox.people import LOCAL_DESK_TOKENS
from sandbox.stack import Stack
from services.desk.entrypoints.api import OPENAPI
from tests.support.stack import isolated_stack

pytestmark = pytest.mark.broker
DESK = schemathesis.openapi.from_dict(OPENAPI)
SUPERVISOR = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['supervisor-1']['token']}"}
AGENT = {"Authorization": f"Bearer {LOCAL_DESK_TOKENS['agent-1']['token']}"}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def desk(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("deskfuzz")
    stack, _ = isolated_stack(broker, workdir, "dfuzz")
    try:
        stack.start("desk")
        asyncio.run(stack.wait_ready("desk", timeout_s=150))
        yield stack
    finally:
        codes = stack.stop_all()
    assert set(codes.values()) == {0}, f"the desk did not stop cleanly: {codes}"


def _call(case: Case[Any], stack: Stack, headers: dict[str, str]) -> None:
    response = case.call(
        base_url=f"http://127.0.0.1:{stack.ports['desk']}", headers=headers, timeout=10
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:300]}"
    )


@DESK.parametrize()
@FUZZ
def test_the_desk_never_answers_5xx_to_a_supervisor(case: Case[Any], desk: Stack) -> None:
    _call(case, desk, SUPERVISOR)


@DESK.parametrize()
@FUZZ
def test_the_desk_never_answers_5xx_to_an_agent(case: Case[Any], desk: Stack) -> None:
    _call(case, desk, AGENT)


@DESK.parametrize()
@FUZZ
def test_the_desk_never_answers_5xx_to_a_stranger(case: Case[Any], desk: Stack) -> None:
    _call(case, desk, {})
