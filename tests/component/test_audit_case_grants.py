"""Case grants on the audit service's real application: a person the desk granted one loan
reads that loan's timeline under their own id, and nothing wider; a grant that does not hold
is 401."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.audit.app import build_app
from services.audit.bootstrap import memory_deps
from services.audit.domain.entries import PLAINTEXT_READ_KIND
from services.audit.settings import ApiToken, Settings
from shared.case_grants import GrantSigner
from shared.jwks import StaticKeySet
from tests.component.test_audit_api import CALL
from tests.support.people import bearer

Client = TestClient[web.Request, web.Application]
DESK = GrantSigner.generated()
SETTINGS = Settings(
    api_tokens={
        "crm": ApiToken(token="crm-secret", role="agent"),
        "auditor": ApiToken(token="auditor-secret", role="auditor"),
    },
    checkpoint_interval_s=3600,
)


def grant(loan_id: str = "l1", *, signer: GrantSigner = DESK, age_s: int = 0) -> dict[str, str]:
    return bearer(signer.sign("agent-7", loan_id, datetime.now(UTC) - timedelta(seconds=age_s)))


@pytest.fixture
async def http(aiohttp_client: Callable[[web.Application], Awaitable[Client]]) -> Client:
    deps = memory_deps(grant_keys=StaticKeySet(DESK.jwks()))
    client = await aiohttp_client(build_app(SETTINGS, deps))
    posted = await client.post("/v1/records", json=CALL, headers=bearer("crm-secret"))
    assert posted.status == 201, posted.reason
    return client


async def test_a_granted_person_reads_the_loan_and_the_read_names_them(http: Client) -> None:
    read = await http.get("/v1/timeline", params={"loan_id": "l1"}, headers=grant())
    assert read.status == 200, read.reason
    assert any(e["kind"].startswith("dunwell.agent") for e in (await read.json())["entries"])
    reads = await http.get(
        "/v1/timeline", params={"kind": PLAINTEXT_READ_KIND}, headers=bearer("auditor-secret")
    )
    assert "agent-7" in await reads.text()


@pytest.mark.parametrize(
    "params",
    [
        {"loan_id": "l2"},
        {"loan_id": "l1", "debtor_id": "d1"},
        {"loan_id": "l1", "kind": PLAINTEXT_READ_KIND},
        {"debtor_id": "d1"},
    ],
)
async def test_a_grant_reads_nothing_wider_than_its_loan(
    http: Client, params: dict[str, str]
) -> None:
    refused = await http.get("/v1/timeline", params=params, headers=grant())
    assert refused.status == 403
    assert "own loan" in (refused.reason or "")


async def test_a_grant_that_does_not_hold_is_401(http: Client) -> None:
    for headers, reason in (
        (grant(age_s=600), "expired"),
        (grant(signer=GrantSigner.generated()), "not the desk's"),
    ):
        refused = await http.get("/v1/timeline", params={"loan_id": "l1"}, headers=headers)
        assert refused.status == 401
        assert reason in (refused.reason or "")


async def test_grants_are_refused_where_no_desk_keys_are_configured(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> None:
    http = await aiohttp_client(build_app(SETTINGS, memory_deps()))
    refused = await http.get("/v1/timeline", params={"loan_id": "l1"}, headers=grant())
    assert refused.status == 401
    assert "not taken" in (refused.reason or "")


async def test_grants_open_nothing_but_the_timeline(http: Client) -> None:
    assert (await http.post("/v1/records", json=CALL, headers=grant())).status in (401, 403)
    assert (await http.post("/v1/bundles", json={"loan_id": "l1"}, headers=grant())).status in (
        401,
        403,
    )
