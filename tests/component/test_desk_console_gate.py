"""The compliance gate's reasons on the desk's zh-CN pages (real application, memory deps): a
case whose contact log holds a send the real policy engine deferred and one it blocked, and a
dial the real notifier's pre-call gate defers at night, show the reasons in Chinese, no English
words; the English page keeps the gate's own words."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.identity import IdentityProvider
from services.desk.adapters.call_gate import HttpCallGate
from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.app import build_app
from services.notifier.adapters.memory.store import InMemoryNotifierStore
from services.notifier.app import build_app as build_notifier
from services.notifier.bootstrap import memory_deps as notifier_deps
from services.notifier.domain.model import directory_entry
from services.notifier.domain.policy.engine import evaluate
from services.notifier.domain.policy.loading import load_pack
from services.notifier.domain.policy.scenario import Decision, Outcome, Scenario
from services.notifier.settings import Settings as NotifierSettings
from shared.events import encode
from shared.testing.factories import contact_details
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from tests.polling import eventually
from tests.support.console import (
    console_deps,
    console_settings,
    english_keys_or_words,
    fields,
    serve_provider,
    sign_in,
)
from tests.support.desk import Loan

Client = TestClient[web.Request, web.Application]
#: Monday 9 March 2026, 23:30 in Shanghai: inside CN-TIME-1's forbidden 22:00-08:00.
NIGHT = datetime(2026, 3, 9, 15, 30, tzinfo=UTC)
NUMBER = "+8613800000001"
IDP = IdentityProvider(issuer="https://idp.bank.example")


@dataclass
class Desk:
    http: Client
    idp: TestServer
    loan: Loan


def _gated(loan: Loan, **overrides: Any) -> Decision:
    """The real cn pack's decision on an SMS to the borrower at night."""
    base: dict[str, Any] = {
        "now": NIGHT,
        "channel": "sms",
        "debtor": {"timezones": ["Asia/Shanghai"], "state": "reachable"},
        "recipient": {"role": "debtor", "provenance": "contract", "verified": True},
        "debt_id": loan.loan_id,
    }
    return evaluate([load_pack("cn")], Scenario.model_validate(base | overrides))


async def _gate(loan: Loan) -> TestServer:
    store = InMemoryNotifierStore()
    details = contact_details(loan.debtor_id, mobile=NUMBER, locale="zh-CN")
    await store.upsert(directory_entry(details), as_of=details.occurred_at)
    deps = notifier_deps(store=store, publisher=InMemoryEventPublisher(), clock=lambda: NIGHT)
    server = TestServer(build_notifier(NotifierSettings(contacts_token="gate-token"), deps))
    await server.start_server()
    return server


@pytest.fixture
async def desk(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> AsyncIterator[Desk]:
    loan = Loan()
    idp = await serve_provider(IDP)
    gate = await _gate(loan)
    settings = console_settings(
        idp, IDP.issuer, notifier_url=str(gate.make_url("/")), notifier_token="gate-token"
    )
    store, source = InMemoryDeskStore(), InMemorySource()
    async with aiohttp.ClientSession() as session:
        deps = console_deps(
            IDP,
            settings,
            session,
            store=store,
            source=source,
            publisher=InMemoryEventPublisher(),
            clock=lambda: NIGHT,
            call_gate=HttpCallGate(str(gate.make_url("/")), "gate-token", session),
        )
        http = await aiohttp_client(build_app(settings, deps))
        topics = settings.kafka.topics
        deferred, blocked = _gated(loan), _gated(loan, opt_outs=["sms"])
        assert deferred.outcome is Outcome.DEFER
        assert blocked.outcome is Outcome.BLOCK
        for kind, decision in (("send_deferred", deferred), ("send_blocked", blocked)):
            contact = loan.interaction(
                kind,
                reason="; ".join(decision.reasons),
                rules=tuple(decision.rules),
                deferred_until=decision.until,
            )
            source.append(topics.interactions, encode(contact, source="/dunwell/test"))
        source.append(topics.delinquency, encode(loan.range("r2", day=5), source="/dunwell/test"))
        source.append(topics.tasks, encode(loan.task("instalment_request"), source="/dunwell/test"))
        await eventually(lambda: bool(store.tasks) and len(store.contact_rows) == 2)
        yield Desk(http, idp, loan)
    await gate.close()
    await idp.close()


async def _page(http: Client, path: str) -> str:
    response = await http.get(path, allow_redirects=False)
    assert response.status == 200, await response.text()
    return await response.text()


async def test_the_contact_log_shows_the_gates_reasons_in_chinese(desk: Desk) -> None:
    await sign_in(desk.http, desk.idp, "agent-7")
    page = await _page(desk.http, f"/console/cases/{desk.loan.loan_id}")
    assert "当地时间 23:30:00（北京时间）：22:00\N{EN DASH}08:00 未经借款人同意不得联系" in page
    assert "借款人已退订短信" in page
    assert "is outside" not in page
    assert "opted out" not in page
    assert english_keys_or_words(page) == []
    english = await (
        await desk.http.get("/console/lang/en?next=/console/cases/" + desk.loan.loan_id)
    ).text()
    assert "CN-TIME-1: 23:30:00 is outside 08:00-22:00 in Asia/Shanghai" in english
    assert "CN-OPTOUT: the borrower opted out of sms" in english


async def test_a_dial_the_gate_defers_at_night_shows_its_reason_in_chinese(desk: Desk) -> None:
    await sign_in(desk.http, desk.idp, "agent-7")
    loan_id = desk.loan.loan_id
    form = fields(await _page(desk.http, f"/console/cases/{loan_id}/call"), "ask-form")
    asked = await desk.http.post(
        f"/console/cases/{loan_id}/call", data={**form, "number": NUMBER, "purpose": "collection"}
    )
    page = await asked.text()
    assert asked.status == 200, page
    assert 'id="decision">推迟' in page
    assert "当地时间 23:30:00（北京时间）：22:00\N{EN DASH}08:00 未经借款人同意不得联系" in page
    assert "is outside" not in page
    assert english_keys_or_words(page) == []
