"""People and systems signed in by the bank's identity provider, on the notifier's real
application: the same tokens the desk takes; a person asks the pre-call gate only as
themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from sandbox.identity import IdentityProvider
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app
from services.notifier.bootstrap import memory_deps
from services.notifier.domain.model import directory_entry
from services.notifier.settings import Settings
from shared.jwks import StaticKeySet
from shared.testing.factories import contact_details
from tests.component.test_notifier_calls import ASK, NOON, REPORT
from tests.support.people import bearer

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
IDP = IdentityProvider(issuer="https://idp.bank.example")
SETTINGS = Settings(
    contacts_token="dialler-token",
    jwks_url="https://idp.bank.example/jwks.json",
    jwt_issuer=IDP.issuer,
)


AGENT_42 = bearer(IDP.token("agent-42", ["agent"], "collections"))


async def notifier(aiohttp_client: ClientFactory) -> TestClient[web.Request, web.Application]:
    store = InMemoryNotifierStore()
    details = contact_details("d1", mobile=ASK["number"], locale="zh-CN")
    await store.upsert(directory_entry(details), as_of=details.occurred_at)
    deps = memory_deps(store=store, clock=lambda: NOON, keys=StaticKeySet(IDP.jwks()))
    return await aiohttp_client(build_app(SETTINGS, deps))


async def test_an_agent_asks_and_reports_as_themselves(aiohttp_client: ClientFactory) -> None:
    client = await notifier(aiohttp_client)
    asked = await client.post("/v1/calls", json=ASK, headers=AGENT_42)
    assert asked.status == 201, await asked.text()
    call_id = (await asked.json())["call_id"]
    reported = await client.post(f"/v1/calls/{call_id}/outcome", json=REPORT, headers=AGENT_42)
    assert reported.status == 201, await reported.text()
    other = bearer(IDP.token("agent-9", ["agent"], "collections"))
    posing = await client.post("/v1/calls", json={**ASK, "idempotency_key": "d2"}, headers=other)
    assert posing.status == 403
    assert "signed-in person" in (await posing.json())["error"]


async def test_systems_name_their_agent_and_other_roles_are_refused(
    aiohttp_client: ClientFactory,
) -> None:
    client = await notifier(aiohttp_client)
    dialler = bearer(IDP.token("dialler-1", ["dialler"]))
    for n, headers in enumerate((dialler, bearer("dialler-token"))):
        asked = await client.post(
            "/v1/calls", json={**ASK, "idempotency_key": f"s{n}"}, headers=headers
        )
        assert asked.status in (200, 201), await asked.text()
    teller = bearer(IDP.token("clerk-1", ["teller"]))
    assert (await client.post("/v1/calls", json=ASK, headers=teller)).status == 403
    expired = bearer(IDP.token("agent-42", ["agent"], "collections", expires_in=-120))
    desk_only = bearer(IDP.token("agent-42", ["agent"], "collections", aud="dunwell-desk"))
    for headers, reason in ((expired, "expired"), (desk_only, "InvalidAudience"), ({}, "bearer")):
        refused = await client.post("/v1/calls", json=ASK, headers=headers)
        assert refused.status == 401
        assert reason in (await refused.json())["error"]
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
