"""schemathesis against the notifier's and the audit service's OpenAPI documents, on the
running services: whatever a caller sends, the answer is never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import Case

from sandbox.stack import LOCAL_TOKENS, Stack
from services.audit.entrypoints.openapi import OPENAPI as AUDIT_API
from services.notifier.entrypoints.openapi import OPENAPI as NOTIFIER_API
from tests.support.fuzz import fuzz, never_5xx, running

pytestmark = pytest.mark.broker
NOTIFIER = schemathesis.openapi.from_dict(NOTIFIER_API)
AUDIT = schemathesis.openapi.from_dict(AUDIT_API)
AUDITOR = {"Authorization": f"Bearer {LOCAL_TOKENS['auditor']['token']}"}
FUZZ = fuzz(100)


@pytest.fixture(scope="module")
def services(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running(broker, tmp_path_factory.mktemp("fuzz"), "fuzz", "audit", "notifier") as stack:
        yield stack


@NOTIFIER.parametrize()
@FUZZ
def test_the_notifier_never_answers_5xx(case: Case[Any], services: Stack) -> None:
    never_5xx(case, services, "notifier", {})


@AUDIT.parametrize()
@FUZZ
def test_the_audit_service_never_answers_5xx_to_an_authorised_caller(
    case: Case[Any], services: Stack
) -> None:
    never_5xx(case, services, "audit", AUDITOR)


@AUDIT.parametrize()
@FUZZ
def test_the_audit_service_never_answers_5xx_to_a_stranger(
    case: Case[Any], services: Stack
) -> None:
    never_5xx(case, services, "audit", {})
