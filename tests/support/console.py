"""The desk's console for tests: the sandbox identity provider served locally, a person signed
in through it (the real authorization-code flow), a page's form fields, and the whole console
(the real application over memory deps, optionally asking the real notifier's pre-call gate)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.identity import IdentityProvider
from services.desk.adapters.call_gate import HttpCallGate
from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.adapters.oidc import HttpCodeExchange
from services.desk.adapters.visit_memory import InMemoryVisitStore
from services.desk.app import build_app
from services.desk.bootstrap import Deps, memory_deps
from services.desk.domain.i18n import CATALOGUES
from services.desk.settings import Settings
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app as build_notifier
from services.notifier.bootstrap import memory_deps as notifier_deps
from services.notifier.domain.model import directory_entry
from services.notifier.settings import Settings as NotifierSettings
from shared.events import Event, VisitProposed, encode
from shared.jwks import StaticKeySet
from shared.testing.factories import contact_details
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.polling import eventually
from tests.support.desk import Loan
from tests.support.visits import proposal

ZH, EN = CATALOGUES["zh-CN"], CATALOGUES["en"]  # every catalogue part merged

Client = TestClient[web.Request, web.Application]
ClientFactory = Callable[[web.Application], Awaitable[Client]]
SECRET = "console-test-secret-0123456789abcdef"  # noqa: S105 (a test value)
#: The bank's identity provider (the sandbox's), served locally by ``serve_provider``.
IDP = IdentityProvider(issuer="https://idp.bank.example")
#: The borrower's mobile number, known to the notifier that serves as the pre-call gate.
NUMBER = "+8613800000001"
#: Monday 9 March 2026, 12:00 in Shanghai: a task opened on 4 March (due 6 March) is overdue.
NOON = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
GATE_TOKEN = "gate-token"  # noqa: S105 (a test value)


async def serve_provider(provider: IdentityProvider) -> TestServer:
    """The provider on a local port, its issuer unchanged."""
    server = TestServer(provider.app())
    await server.start_server()
    return server


def console_settings(idp: TestServer, issuer: str, **extra: Any) -> Settings:
    """The desk with its console signing people in at the identity provider served at ``idp``
    (issuer ``issuer``), its cookies over plain http."""
    return Settings(
        jwks_url=str(idp.make_url("/jwks.json")),
        jwt_issuer=issuer,
        oidc_authorize_url=str(idp.make_url("/authorize")),
        oidc_token_url=str(idp.make_url("/oauth/token")),
        console_session_secret=SECRET,
        console_secure_cookies=False,
        **extra,
    )


def console_deps(
    provider: IdentityProvider,
    settings: Settings,
    session: aiohttp.ClientSession,
    **overrides: Any,
) -> Deps:
    """Memory deps whose sign-in goes through ``provider``: its keys, its token endpoint."""
    return memory_deps(
        keys=StaticKeySet(provider.jwks()),
        code_exchange=HttpCodeExchange(
            settings.oidc_token_url or "", "dunwell-desk", None, session
        ),
        **overrides,
    )


def fields(page: str, form_id: str | None = None) -> dict[str, str]:
    """The named inputs' values of a page's form (``form_id``: that form's only)."""
    if form_id is not None:
        found = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
        assert found, f"no form {form_id}"
        page = found.group(0)
    values = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            values[name.group(1)] = unescape(value.group(1)) if value else ""
    return values


async def sign_in(
    http: Client,
    provider: TestServer,
    sub: str,
    role: str = "agent",
    team: str = "collections",
    next_path: str = "/console/tasks",
) -> str:
    """Sign ``sub`` in through the provider; the page the console sends them to."""
    start = await http.get(
        "/console/sign-in/start", params={"next": next_path}, allow_redirects=False
    )
    assert start.status == 303, await start.text()
    authorize = urlsplit(start.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    async with aiohttp.ClientSession() as idp:
        async with idp.get(provider.make_url("/authorize"), params=query) as shown:
            assert shown.status == 200, await shown.text()
            page = await shown.text()
        chosen = {**fields(page), "sub": sub, "role": role, "team": team}
        async with idp.post(
            provider.make_url("/authorize"), data=chosen, allow_redirects=False
        ) as back:
            assert back.status == 303
            callback = urlsplit(back.headers["Location"])
    landed = await http.get(f"{callback.path}?{callback.query}", allow_redirects=False)
    assert landed.status == 303, await landed.text()
    return landed.headers["Location"]


def english_keys_or_words(page: str) -> list[str]:
    """Catalogue keys, or English words of the catalogue, showing on a page."""
    text = re.sub(r"<[^>]+>", " ", page)
    shown = [key for key in ZH if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", text)]
    english = {v for k, v in EN.items() if v != ZH[k] and " " in v and "{" not in v}
    return shown + sorted(w for w in english if w in text)


@dataclass
class Console:
    """The desk's real application over memory deps, the provider people sign in at, one loan."""

    http: Client
    idp: TestServer
    settings: Settings
    loan: Loan
    store: InMemoryDeskStore
    visits: InMemoryVisitStore
    source: InMemorySource
    publisher: InMemoryEventPublisher
    #: What the notifier serving as the pre-call gate published (nothing without a gate).
    gate_events: InMemoryEventPublisher

    def arrive(self, topic: str, event: Event) -> None:
        self.source.append(topic, encode(event, source="/dunwell/test"))

    async def page(self, path: str, status: int = 200) -> str:
        response = await self.http.get(path, allow_redirects=False)
        assert response.status == status, await response.text()
        return await response.text()

    async def form(self, path: str, form_id: str | None = None) -> dict[str, str]:
        """The named fields of the page at ``path`` (of its form ``form_id``)."""
        return fields(await self.page(path), form_id)

    async def ask_to_dial(self, **data: str) -> str:
        """The case's ask form (call page) posted with ``data``: the page with the gate's answer."""
        path = f"/console/cases/{self.loan.loan_id}/call"
        asked = await self.http.post(path, data={**await self.form(path, "ask-form"), **data})
        page = await asked.text()
        assert asked.status == 200, page
        return page

    async def open_case(self) -> None:
        """The loan overdue (range r2, day 5) with an instalment request task, both consumed."""
        topics = self.settings.kafka.topics
        self.arrive(topics.delinquency, self.loan.range("r2", day=5))
        self.arrive(topics.tasks, self.loan.task("instalment_request"))
        await eventually(lambda: bool(self.store.tasks) and bool(self.store.cases))

    async def propose(self, sequence: int = 1) -> VisitProposed:
        proposed = proposal(self.loan, sequence)
        self.arrive(self.settings.kafka.topics.tasks, proposed)
        await eventually(lambda: proposed.slot.visit_id in self.visits.visits)
        return proposed

    async def deliver(self, proposed: VisitProposed) -> None:
        """The visit's notice sent and reported delivered: the visit confirmed."""
        topic = self.settings.kafka.topics.interactions
        notice = proposed.notice_id
        self.arrive(topic, self.loan.interaction("message_sent", request_id=notice))
        receipt = self.loan.interaction(
            "delivery_reported", request_id=notice, reason="delivered: DELIVRD"
        )
        self.arrive(topic, receipt)
        visit_id = proposed.slot.visit_id
        await eventually(lambda: self.visits.visits[visit_id].state == "confirmed")


async def serve_gate(loan: Loan, now: datetime) -> tuple[TestServer, InMemoryEventPublisher]:
    """The real notifier (memory deps, its clock at ``now``) as the pre-call gate, the
    borrower's number known; what it publishes."""
    store, publisher = InMemoryNotifierStore(), InMemoryEventPublisher()
    details = contact_details(loan.debtor_id, mobile=NUMBER, locale="zh-CN")
    await store.upsert(directory_entry(details), as_of=details.occurred_at)
    deps = notifier_deps(store=store, publisher=publisher, clock=lambda: now)
    server = TestServer(build_notifier(NotifierSettings(contacts_token=GATE_TOKEN), deps))
    await server.start_server()
    return server, publisher


@asynccontextmanager
async def open_console(
    aiohttp_client: ClientFactory, now: datetime, *, gate: bool = False
) -> AsyncIterator[Console]:
    """The console for a fresh loan, its clock at ``now``; with ``gate``, a dial asks the real
    notifier (``serve_gate``) first. Nothing consumed yet."""
    loan, idp = Loan(), await serve_provider(IDP)
    gate_server, gate_events = await serve_gate(loan, now) if gate else (None, None)
    url = None if gate_server is None else str(gate_server.make_url("/"))
    extra = {} if url is None else {"notifier_url": url, "notifier_token": GATE_TOKEN}
    settings = console_settings(idp, IDP.issuer, **extra)
    ports: dict[str, Any] = {
        "store": InMemoryDeskStore(),
        "visits": InMemoryVisitStore(),
        "source": InMemorySource(),
        "publisher": InMemoryEventPublisher(),
    }
    try:
        async with aiohttp.ClientSession() as session:
            gated = {} if url is None else {"call_gate": HttpCallGate(url, GATE_TOKEN, session)}
            deps = console_deps(IDP, settings, session, clock=lambda: now, **ports, **gated)
            http = await aiohttp_client(build_app(settings, deps))
            events = gate_events or InMemoryEventPublisher()
            yield Console(http, idp, settings, loan, gate_events=events, **ports)
    finally:
        if gate_server is not None:
            await gate_server.close()
        await idp.close()
