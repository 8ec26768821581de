"""A case's evidence, read by an agent under their own identity: the desk's and the audit
service's real applications side by side over HTTP, the audit service fetching the desk's
grant keys from its JWKS, the desk reading the loan's timeline with a case grant it signs only
for a case that is the agent's to see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.smtp import free_port
from services.audit.app import build_app as audit_app
from services.audit.bootstrap import memory_deps as audit_deps
from services.audit.domain.entries import PLAINTEXT_READ_KIND
from services.audit.settings import ApiToken as AuditToken
from services.audit.settings import Settings as AuditSettings
from services.desk.adapters.audit_evidence import HttpEvidenceLog
from services.desk.adapters.memory import InMemoryDeskStore
from services.desk.app import build_app as desk_app
from services.desk.bootstrap import memory_deps as desk_deps
from services.desk.settings import Settings
from shared.events import encode
from shared.jwks import HttpKeySet
from shared.testing.source import InMemorySource
from tests.component.test_audit_api import CALL
from tests.polling import eventually
from tests.support.console import (
    IDP,
    console_deps,
    console_settings,
    english_keys_or_words,
    serve_provider,
    sign_in,
)
from tests.support.desk import OPENED, Loan
from tests.support.desk_people import AGENT, FIELD, TOKENS

Client = TestClient[web.Request, web.Application]
DESK = Settings(api_tokens=TOKENS)
AUDIT = AuditSettings(
    api_tokens={
        "crm": AuditToken(token="crm-secret", role="agent"),
        "auditor": AuditToken(token="auditor-secret", role="auditor"),
    },
    checkpoint_interval_s=3600,
)


@dataclass
class Pair:
    desk: Client
    audit: Client
    loan: Loan
    idp: TestServer


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    loan, source, store = Loan(), InMemorySource(), InMemoryDeskStore()
    audit_port, idp = free_port(), await serve_provider(IDP)
    settings = console_settings(idp, IDP.issuer, api_tokens=TOKENS)
    async with aiohttp.ClientSession() as session:
        deps = console_deps(
            IDP,
            settings,
            session,
            store=store,
            source=source,
            clock=lambda: OPENED + timedelta(hours=1),
            evidence=HttpEvidenceLog(f"http://127.0.0.1:{audit_port}", session),
        )
        async with TestClient(TestServer(desk_app(settings, deps))) as desk:
            keys = HttpKeySet(str(desk.make_url("/.well-known/jwks.json")), session)
            audit_server = TestServer(
                audit_app(AUDIT, audit_deps(grant_keys=keys)), port=audit_port
            )
            async with TestClient(audit_server) as audit:
                source.append(DESK.kafka.topics.tasks, encode(loan.task(), source="/dunwell/test"))
                await eventually(
                    lambda: any(t.loan_id == loan.loan_id for t in store.tasks.values())
                )
                call = {**CALL, "loan_id": loan.loan_id, "debtor_id": loan.debtor_id}
                posted = await audit.post(
                    "/v1/records", json=call, headers={"Authorization": "Bearer crm-secret"}
                )
                assert posted.status == 201, posted.reason
                yield Pair(desk, audit, loan, idp)
    await idp.close()


async def test_an_agent_reads_their_cases_evidence_and_the_read_is_logged_under_them(
    pair: Pair,
) -> None:
    read = await pair.desk.get(f"/v1/cases/{pair.loan.loan_id}/evidence", headers=AGENT)
    assert read.status == 200, read.reason
    entries = (await read.json())["entries"]
    assert [e["loan_id"] for e in entries] == [pair.loan.loan_id]
    assert entries[0]["content"]["record_id"] == CALL["record_id"]
    reads = await pair.audit.get(
        "/v1/timeline",
        params={"kind": PLAINTEXT_READ_KIND},
        headers={"Authorization": "Bearer auditor-secret"},
    )
    assert "agent-7" in await reads.text()


async def test_an_agent_of_another_team_is_refused_before_any_grant(pair: Pair) -> None:
    refused = await pair.desk.get(f"/v1/cases/{pair.loan.loan_id}/evidence", headers=FIELD)
    assert refused.status == 403
    reads = await pair.audit.get(
        "/v1/timeline",
        params={"kind": PLAINTEXT_READ_KIND},
        headers={"Authorization": "Bearer auditor-secret"},
    )
    assert "agent-3" not in await reads.text()
    assert (await pair.desk.get("/v1/cases/no-such-loan/evidence", headers=AGENT)).status == 404


async def test_the_case_view_links_its_evidence_and_the_desk_publishes_its_key(
    pair: Pair,
) -> None:
    view = await (await pair.desk.get(f"/v1/cases/{pair.loan.loan_id}", headers=AGENT)).json()
    assert view["evidence"]["timeline"] == f"/v1/cases/{pair.loan.loan_id}/evidence"
    jwks = await (await pair.desk.get("/.well-known/jwks.json")).json()
    [key] = jwks["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("EC", "P-256", "ES256")
    assert "d" not in key


async def test_no_evidence_log_answers_503_with_its_reason() -> None:
    loan, source, store = Loan(), InMemorySource(), InMemoryDeskStore()
    deps = desk_deps(store=store, source=source, clock=lambda: OPENED + timedelta(hours=1))
    async with TestClient(TestServer(desk_app(DESK, deps))) as desk:
        source.append(DESK.kafka.topics.tasks, encode(loan.task(), source="/dunwell/test"))
        await eventually(lambda: any(t.loan_id == loan.loan_id for t in store.tasks.values()))
        answer = await desk.get(f"/v1/cases/{loan.loan_id}/evidence", headers=AGENT)
        assert answer.status == 503
        assert "no evidence log" in await answer.text()


async def test_the_console_shows_the_cases_evidence_in_chinese(pair: Pair) -> None:
    await sign_in(pair.desk, pair.idp, "agent-7", "agent", "collections")
    case = await (await pair.desk.get(f"/console/cases/{pair.loan.loan_id}")).text()
    assert f'href="/console/cases/{pair.loan.loan_id}/evidence"' in case
    shown = await pair.desk.get(f"/console/cases/{pair.loan.loan_id}/evidence")
    assert shown.status == 200, await shown.text()
    page = await shown.text()
    assert '<html lang="zh-CN">' in page
    assert "证据记录" in page
    assert "坐席通话记录" in page  # the agent's call log, by its kind's name
    assert "完整" in page  # and intact
    assert english_keys_or_words(page) == []
    await sign_in(pair.desk, pair.idp, "agent-3", "agent", "field")
    other = await pair.desk.get(f"/console/cases/{pair.loan.loan_id}/evidence")
    assert other.status == 403
