"""schemathesis against the notifier's and the audit service's OpenAPI documents, on the
running services: whatever a caller sends, the answer is never a 5xx."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case

from sandbox.stack import LOCAL_TOKENS, Stack
from services.audit.entrypoints.openapi import OPENAPI as AUDIT_API
from services.notifier.entrypoints.openapi import OPENAPI as NOTIFIER_API
from tests.support.stack import isolated_stack

pytestmark = pytest.mark.broker
NOTIFIER = schemathesis.openapi.from_dict(NOTIFIER_API)
AUDIT = schemathesis.openapi.from_dict(AUDIT_API)
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def services(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("fuzz")
    stack, _ = isolated_stack(broker, workdir, "fuzz")
    try:
        for service in ("audit", "notifier"):
            stack.start(service)
        for service in ("audit", "notifier"):
            asyncio.run(stack.wait_ready(service, timeout_s=150))
        yield stack
    finally:
        codes = stack.stop_all()
    assert set(codes.values()) == {0}, f"a service did not stop cleanly: {codes}"


def _call(case: Case[Any], stack: Stack, service: str, headers: dict[str, str]) -> None:
    response = case.call(
        base_url=f"http://127.0.0.1:{stack.ports[service]}", headers=headers, timeout=10
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:300]}"
    )


@NOTIFIER.parametrize()
@FUZZ
def test_the_notifier_never_answers_5xx(case: Case[Any], services: Stack) -> None:
    _call(case, services, "notifier", {})


@AUDIT.parametrize()
@FUZZ
def test_the_audit_service_never_answers_5xx_to_an_authorised_caller(
    case: Case[Any], services: Stack
) -> None:
    _call(case, services, "audit", AUDITOR)


@AUDIT.parametrize()
@FUZZ
def test_the_audit_service_never_answers_5xx_to_a_stranger(
    case: Case[Any], services: Stack
) -> None:
    _call(case, services, "audit", {})
