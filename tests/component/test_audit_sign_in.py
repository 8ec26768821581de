"""People signed in by the bank's identity provider, on the audit service's real application:
the same tokens the desk takes, the person's id on what they record and read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sandbox.identity import IdentityProvider
from services.audit.app import build_app
from services.audit.bootstrap import memory_deps
from services.audit.domain.entries import PLAINTEXT_READ_KIND
from services.audit.settings import ApiToken, Settings
from shared.jwks import StaticKeySet
from tests.component.test_audit_api import CALL
from tests.support.people import bearer

Client = TestClient[web.Request, web.Application]
IDP = IdentityProvider(issuer="https://idp.bank.example")
SETTINGS = Settings(
    jwks_url="https://idp.bank.example/jwks.json",
    jwt_issuer=IDP.issuer,
    api_tokens={"crm": ApiToken(token="crm-secret", role="agent")},
    checkpoint_interval_s=3600,
)


COLLECTOR = bearer(IDP.token("agent-7", ["agent"], "collections"))
AUDITOR = bearer(IDP.token("auditor-2", ["auditor"]))


@pytest.fixture
async def http(aiohttp_client: Callable[[web.Application], Awaitable[Client]]) -> Client:
    return await aiohttp_client(build_app(SETTINGS, memory_deps(keys=StaticKeySet(IDP.jwks()))))


async def test_a_person_records_and_an_auditor_reads_under_their_own_ids(http: Client) -> None:
    posted = await http.post("/v1/records", json=CALL, headers=COLLECTOR)
    assert posted.status == 201, posted.reason
    read = await http.get("/v1/timeline", params={"loan_id": "l1"}, headers=AUDITOR)
    assert read.status == 200, read.reason
    [entry] = [e for e in (await read.json())["entries"] if e["kind"].startswith("dunwell.agent")]
    assert entry["topic"] == "http:agent-7"
    reads = await http.get("/v1/timeline", params={"kind": PLAINTEXT_READ_KIND}, headers=AUDITOR)
    assert "auditor-2" in await reads.text()


async def test_the_roles_decide_and_tokens_that_do_not_hold_are_401(http: Client) -> None:
    forbidden = await http.get("/v1/timeline", params={"loan_id": "l1"}, headers=COLLECTOR)
    assert forbidden.status == 403
    clerk = bearer(IDP.token("clerk-1", ["teller"]))
    assert (await http.post("/v1/records", json=CALL, headers=clerk)).status == 403
    expired = bearer(IDP.token("agent-7", ["agent"], "collections", expires_in=-120))
    desk_only = bearer(IDP.token("agent-7", ["agent"], "collections", aud="dunwell-desk"))
    stranger = bearer(IdentityProvider(IDP.issuer).token("agent-7", ["agent"]))  # same kid
    for headers, reason in (
        (expired, "expired"),
        (desk_only, "InvalidAudience"),
        (stranger, "InvalidSignature"),
    ):
        refused = await http.post("/v1/records", json=CALL, headers=headers)
        assert refused.status == 401
        assert reason in (refused.reason or "")
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")


async def test_configured_tokens_remain_a_development_option(http: Client) -> None:
    posted = await http.post("/v1/records", json=CALL, headers=bearer("crm-secret"))
    assert posted.status == 201
    assert (await http.get("/v1/timeline?loan_id=l1", headers=bearer("crm-secret"))).status == 403
