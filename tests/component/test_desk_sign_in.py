"""People signed in by the identity provider, on the desk's real application: their own ids
on what they do, their team's cases only, and 401 for a token that does not hold."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from sandbox.identity import IdentityProvider
from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.app import build_app
from services.desk.bootstrap import memory_deps
from services.desk.settings import ApiToken, Settings
from shared.events import encode
from shared.jwks import StaticKeySet
from shared.testing.source import InMemorySource
from tests.polling import eventually
from tests.support.desk import Loan
from tests.support.people import bearer

Client = TestClient[web.Request, web.Application]
IDP = IdentityProvider(issuer="https://idp.bank.example")
SETTINGS = Settings(
    jwks_url="https://idp.bank.example/jwks.json",
    jwt_issuer=IDP.issuer,
    api_tokens={"dev-1": ApiToken(token="dev-token", role="supervisor")},
)


COLLECTOR = bearer(IDP.token("agent-7", ["agent"], "collections"))
FIELD = bearer(IDP.token("agent-3", ["agent"], "field"))


@pytest.fixture
async def desk(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> tuple[Client, InMemoryDeskStore, str]:
    store, source = InMemoryDeskStore(), InMemorySource()
    deps = memory_deps(store=store, source=source, keys=StaticKeySet(IDP.jwks()))
    http = await aiohttp_client(build_app(SETTINGS, deps))
    loan = Loan()
    source.append(SETTINGS.kafka.topics.tasks, encode(loan.task(), source="/test"))
    await eventually(lambda: bool(store.tasks))
    return http, store, loan.loan_id


async def test_an_agent_acts_under_their_own_id(
    desk: tuple[Client, InMemoryDeskStore, str],
) -> None:
    http, store, _ = desk
    [task_id] = store.tasks
    started = await http.post(f"/v1/tasks/{task_id}/start", headers=COLLECTOR)
    assert started.status == 200, await started.text()
    assert store.tasks[task_id].actions[-1].by == "agent-7"
    assert store.tasks[task_id].assignee == "agent-7"


async def test_another_teams_agent_gets_403_on_the_case(
    desk: tuple[Client, InMemoryDeskStore, str],
) -> None:
    http, _, loan_id = desk
    assert (await http.get(f"/v1/cases/{loan_id}", headers=COLLECTOR)).status == 200
    assert (await http.get(f"/v1/cases/{loan_id}", headers=FIELD)).status == 403
    assert (await http.get("/v1/queues/collections", headers=FIELD)).status == 403


@pytest.mark.parametrize(
    "token",
    [
        IDP.token("agent-7", ["agent"], "collections", expires_in=-120),
        IdentityProvider(issuer=IDP.issuer).token("agent-7", ["agent"], "collections"),
        IDP.token("agent-7", ["agent"], "collections", iss="https://elsewhere.example"),
        "garbage",
        "a.b.c",
    ],
    ids=["expired", "wrongly-signed", "other-issuer", "garbage", "not-a-jwt"],
)
async def test_a_token_that_does_not_hold_gets_401(
    desk: tuple[Client, InMemoryDeskStore, str], token: str
) -> None:
    http, _, loan_id = desk
    response = await http.get(f"/v1/cases/{loan_id}", headers=bearer(token))
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_person_without_a_desk_role_gets_403_and_the_dev_token_still_works(
    desk: tuple[Client, InMemoryDeskStore, str],
) -> None:
    http, _, loan_id = desk
    teller = bearer(IDP.token("teller-1", ["teller"]))
    assert (await http.get(f"/v1/cases/{loan_id}", headers=teller)).status == 403
    assert (await http.get(f"/v1/cases/{loan_id}", headers=bearer("dev-token"))).status == 200
