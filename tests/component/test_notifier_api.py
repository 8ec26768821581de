"""The notifier's own HTTP API on the real application (memory deps): contacts from other
senders, and the OpenAPI document naming every route the application serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app
from services.notifier.bootstrap import callback_plugs, memory_deps
from services.notifier.domain.model import GateFacts, GateTicket
from services.notifier.domain.policy.scenario import Decision, Outcome
from services.notifier.entrypoints.openapi import OPENAPI
from services.notifier.settings import Settings

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
SETTINGS = Settings(contacts_token="dialler-token")
TOKEN = {"Authorization": "Bearer dialler-token"}
REPORT: dict[str, Any] = {
    "contact_id": "call-881",
    "debtor_id": "d1",
    "debt_id": "loan-1",
    "channel": "voice",
    "kind": "call_connected",
    "sender": "agency-7",
    "at": "2026-03-04T11:00:00+08:00",
}


def app(store: InMemoryNotifierStore) -> web.Application:
    return build_app(SETTINGS, memory_deps(store=store))


async def test_a_reported_contact_counts_once_in_the_gate(aiohttp_client: ClientFactory) -> None:
    store = InMemoryNotifierStore()
    client = await aiohttp_client(app(store))
    first = await client.post("/v1/contacts", json=REPORT, headers=TOKEN)
    again = await client.post("/v1/contacts", json=REPORT, headers=TOKEN)
    assert (first.status, again.status) == (201, 200)
    seen: list[GateFacts] = []

    def judge(facts: GateFacts) -> Decision:
        seen.append(facts)
        return Decision(outcome=Outcome.ALLOW)

    at = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
    await store.decide(GateTicket("r|sms", "d1", "loan-1", "sms", "cp", at, b""), judge)
    [contact] = seen[0].history
    assert (contact.sender, contact.kind, contact.channel) == (
        "agency-7",
        "call_connected",
        "voice",
    )


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"kind": "threatened"}, 400),
        ({"at": "2026-03-04T11:00:00"}, 400),  # no offset: ambiguous
        ({"extra": 1}, 400),
    ],
)
async def test_bad_reports_are_refused_with_a_reason(
    aiohttp_client: ClientFactory, change: dict[str, Any], status: int
) -> None:
    client = await aiohttp_client(app(InMemoryNotifierStore()))
    r = await client.post("/v1/contacts", json=REPORT | change, headers=TOKEN)
    assert r.status == status
    assert (await r.json())["error"]


async def test_no_token_no_entry(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(app(InMemoryNotifierStore()))
    r = await client.post("/v1/contacts", json=REPORT, headers={"Authorization": "Bearer x"})
    assert r.status == 401
    r = await client.post("/v1/contacts", data=b"{not json", headers=TOKEN)
    assert r.status == 400


async def test_the_openapi_document_covers_every_route(aiohttp_client: ClientFactory) -> None:
    application = build_app(SETTINGS, memory_deps(callbacks=callback_plugs(SETTINGS)))
    client = await aiohttp_client(application)
    document = await (await client.get("/openapi.json")).json()
    assert document == OPENAPI
    routes = {
        (r.resource.canonical, r.method.lower())
        for r in application.router.routes()
        if r.resource is not None and r.method != "HEAD"
    }
    documented = {(path, method) for path, ops in OPENAPI["paths"].items() for method in ops}
    assert routes <= documented
    assert routes == documented  # and nothing documented that the application does not serve


async def test_the_ops_endpoints_answer(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(app(InMemoryNotifierStore()))
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 200
    assert "notifier_messages" in await (await client.get("/metrics")).text()
