"""The audit API in-process: roles, appends, proofs, bundles, the public verification lookup."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from services.audit.adapters.memory import InMemoryAuditStore
from services.audit.app import build_app, checkpointer_key
from services.audit.bootstrap import memory_deps, signer_for
from services.audit.domain import merkle
from services.audit.domain.checkpoint import open_note
from services.audit.domain.entries import DEAD_LETTER_KIND
from services.audit.domain.verifier import verify_bundle
from services.audit.entrypoints.api import AuditApi, api_key
from services.audit.entrypoints.openapi import OPENAPI
from services.audit.handlers.checkpointer import Checkpointer
from services.audit.settings import ApiToken, Settings
from shared.events import KafkaRecord
from shared.testing.memory import InMemoryEventPublisher
from shared.testing.source import InMemorySource
from shared.topics import DLQ_SUFFIX
from tests.polling import eventually
from tests.support.audit import interaction, sent_message

Client = TestClient[web.Request, web.Application]
AGENT = {"Authorization": "Bearer agent-secret"}
AUDITOR = {"Authorization": "Bearer auditor-secret"}
SETTINGS = Settings(
    api_tokens={
        "crm": ApiToken(token="agent-secret", role="agent"),
        "audit-team": ApiToken(token="auditor-secret", role="auditor"),
    },
    verify_rate_per_minute=3,
    checkpoint_interval_s=3600,  # the tests sign their checkpoints themselves
)
SIGNER = signer_for(SETTINGS)


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> tuple[Client, AuditApi, Checkpointer]:
    """The real application over memory ports, its API context and its checkpointer."""
    http = await aiohttp_client(build_app(SETTINGS, deps=memory_deps()))
    return http, http.app[api_key], http.app[checkpointer_key]


CALL = {
    "kind": "call_logged",
    "record_id": "call-1",
    "debtor_id": "d1",
    "loan_id": "l1",
    "agent_id": "agent-7",
    "started_at": "2026-03-04T10:00:00+08:00",
    "duration_s": 95,
    "summary": "Borrower asked for an instalment plan",
    "borrower_feedback": "will pay half",
}


class TestRoles:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/v1/records"),
            ("GET", "/v1/timeline?debtor_id=d1"),
            ("GET", "/v1/entries/0"),
            ("GET", "/v1/proofs/consistency?from=1&to=1"),
            ("POST", "/v1/bundles"),
        ],
    )
    async def test_no_token_is_401(self, client: Any, method: str, path: str) -> None:
        http, _, _ = client
        response = await http.request(method, path, json={})
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")

    async def test_an_unknown_token_is_401(self, client: Any) -> None:
        http, _, _ = client
        response = await http.get(
            "/v1/timeline?debtor_id=d1", headers={"Authorization": "Bearer guessed"}
        )
        assert response.status == 401

    async def test_an_agent_cannot_read_and_an_auditor_cannot_append(self, client: Any) -> None:
        http, _, _ = client
        assert (await http.get("/v1/timeline?debtor_id=d1", headers=AGENT)).status == 403
        assert (
            await http.post("/v1/bundles", json={"debtor_id": "d1"}, headers=AGENT)
        ).status == 403
        assert (await http.post("/v1/records", json=CALL, headers=AUDITOR)).status == 403

    async def test_public_endpoints_need_no_token(self, client: Any) -> None:
        http, _, _ = client
        assert (await http.get("/v1/keys")).status == 200
        assert (await http.get("/verify")).status == 200
        assert (await http.get("/openapi.json")).status == 200
        assert (await http.post("/v1/verify", json={"code": "ABCD2345"})).status == 200


class TestAgentsAndAuditors:
    async def test_append_then_read_then_prove(self, client: Any) -> None:
        http, api, checkpointer = client
        first = await http.post("/v1/records", json=CALL, headers=AGENT)
        assert (first.status, await first.json()) == (201, {"leaf_index": 0})
        again = await http.post("/v1/records", json=CALL, headers=AGENT)
        assert (again.status, await again.json()) == (200, {"leaf_index": 0})
        timeline = await (await http.get("/v1/timeline?debtor_id=d1", headers=AUDITOR)).json()
        [entry] = timeline["entries"]
        assert entry["content"]["summary"] == CALL["summary"]
        await checkpointer.checkpoint()
        body = await (await http.get("/v1/entries/0", headers=AUDITOR)).json()
        note = await (await http.get("/v1/checkpoint")).text()
        signed = open_note(note, [SIGNER.key])
        merkle.verify_inclusion(
            base64.b64decode(body["leaf_hash"]),
            0,
            signed.size,
            [base64.b64decode(h) for h in body["inclusion_proof"]],
            signed.root,
        )
        assert api.log.size >= 3  # the record and two logged reads

    async def test_the_timeline_filters_by_kind(self, client: Any) -> None:
        http, _, _ = client
        await http.post("/v1/records", json=CALL, headers=AGENT)
        visit = {
            "kind": "visit_recorded",
            "record_id": "visit-1",
            "debtor_id": "d1",
            "agent_id": "agent-7",
            "visited_at": "2026-03-05T10:00:00+08:00",
            "place": "branch",
            "outcome": "met",
            "summary": "agreed a plan",
        }
        await http.post("/v1/records", json=visit, headers=AGENT)
        body = await (
            await http.get("/v1/timeline?kind=dunwell.agent.visit_recorded.v1", headers=AUDITOR)
        ).json()
        assert [e["kind"] for e in body["entries"]] == ["dunwell.agent.visit_recorded.v1"]
        both = await (await http.get("/v1/timeline?debtor_id=d1", headers=AUDITOR)).json()
        assert len(both["entries"]) == 2

    async def test_an_invalid_record_is_422_with_the_field(self, client: Any) -> None:
        http, _, _ = client
        response = await http.post("/v1/records", json={**CALL, "duration_s": -1}, headers=AGENT)
        assert response.status == 422
        assert "duration_s" in response.reason

    async def test_a_record_naming_odd_fields_is_422_with_a_printable_reason(
        self, client: Any
    ) -> None:
        http, _, _ = client
        body = {**CALL, "\u001f\r\n": 1, "备注": "x"}
        response = await http.post("/v1/records", json=body, headers=AGENT)
        assert response.status == 422
        assert "extra_forbidden" in response.reason
        assert response.reason.isprintable()
        assert response.reason.isascii()

    async def test_consistency_proof_between_two_sizes(self, client: Any) -> None:
        http, _, _ = client
        for n in range(5):
            await http.post("/v1/records", json={**CALL, "record_id": f"c{n}"}, headers=AGENT)
        body = await (await http.get("/v1/proofs/consistency?from=2&to=5", headers=AUDITOR)).json()
        merkle.verify_consistency(
            2,
            5,
            base64.b64decode(body["root1"]),
            base64.b64decode(body["root2"]),
            [base64.b64decode(h) for h in body["proof"]],
        )
        bad = await http.get("/v1/proofs/consistency?from=0&to=5", headers=AUDITOR)
        assert bad.status == 400

    async def test_an_exported_bundle_verifies_and_the_export_is_logged(self, client: Any) -> None:
        http, api, checkpointer = client
        await http.post("/v1/records", json=CALL, headers=AGENT)
        assert (
            await http.post("/v1/bundles", json={"debtor_id": "d1"}, headers=AUDITOR)
        ).status == 404  # nothing checkpointed yet
        await checkpointer.checkpoint()
        response = await http.post("/v1/bundles", json={"debtor_id": "d1"}, headers=AUDITOR)
        bundle = await response.json()
        verify_bundle(bundle, [SIGNER.key])
        reads = await api.store.case_leaves(
            debtor_id=None, loan_id=None, limit=10, kind="dunwell.audit.plaintext-read.v1"
        )
        assert reads


class TestPublicVerification:
    async def test_a_genuine_code_reveals_only_what_the_borrower_needs(self, client: Any) -> None:
        http, api, _ = client
        await api.log.append([sent_message()])
        body = await (await http.post("/v1/verify", json={"code": "abcd2345"})).json()
        assert body == {
            "genuine": True,
            "sent_on": "2026-03-04",
            "channel": "sms",
            "institution": "澄河示范银行",
            "account_masked": "****5678",
            "hotline": "400-000-0000",
        }
        unknown = await (await http.post("/v1/verify", json={"code": "ZZZZ9999"})).json()
        assert unknown == {"genuine": False, "hotline": "400-000-0000"}
        english = await (
            await http.post("/v1/verify", json={"code": "abcd2345", "lang": "en"})
        ).json()
        assert english["institution"] == "Chenghe Demo Bank"

    async def test_lookups_are_rate_limited(self, client: Any) -> None:
        http, _, _ = client
        statuses = [
            (await http.post("/v1/verify", json={"code": "ABCD2345"})).status for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]

    async def test_a_malformed_code_is_400(self, client: Any) -> None:
        http, _, _ = client
        assert (await http.post("/v1/verify", json={"code": "<script>"})).status == 400
        assert (await http.post("/v1/verify", data=b"not json")).status == 400


def test_the_openapi_document_names_every_route() -> None:
    paths = set(OPENAPI["paths"])
    assert {
        "/v1/records",
        "/v1/timeline",
        "/v1/entries/{index}",
        "/v1/proofs/consistency",
        "/v1/checkpoint",
        "/v1/keys",
        "/v1/bundles",
        "/v1/verify",
        "/verify",
    } <= paths


class TestIngestionAndLifecycle:
    """The real consume loop over an in-memory source, and the application's own lifecycle."""

    @pytest.fixture
    async def wired(
        self, aiohttp_client: Callable[[web.Application], Awaitable[Client]]
    ) -> tuple[Client, InMemorySource, InMemoryEventPublisher, InMemoryAuditStore]:
        source, publisher, store = InMemorySource(), InMemoryEventPublisher(), InMemoryAuditStore()
        deps = memory_deps(source=source, publisher=publisher, store=store)
        return await aiohttp_client(build_app(SETTINGS, deps=deps)), source, publisher, store

    async def test_a_consumed_event_is_appended_once_and_its_code_answers(self, wired: Any) -> None:
        http, source, _, store = wired
        event = interaction()
        topic = SETTINGS.kafka.topics.interactions
        for _ in range(2):
            source.append_event(topic, event)
        await eventually(lambda: sum(source.committed.values()) == 2, timeout_s=5)
        assert await store.size() == 1
        body = await (await http.post("/v1/verify", json={"code": "ABCD2345"})).json()
        assert body["genuine"] is True

    async def test_a_dead_letter_is_logged_and_a_bad_record_dead_lettered(self, wired: Any) -> None:
        _, source, publisher, store = wired
        topic = SETTINGS.kafka.topics.interactions
        source.append(f"{topic}{DLQ_SUFFIX}", KafkaRecord(key=None, value=b"x", headers=()))
        source.append(topic, KafkaRecord(key=None, value=b"{", headers=()))
        await eventually(lambda: sum(source.committed.values()) == 2, timeout_s=5)
        [row] = await store.leaves([0])
        assert row.kind == DEAD_LETTER_KIND
        assert list(publisher.records) == [f"{topic}{DLQ_SUFFIX}"]

    async def test_health_and_a_last_checkpoint_at_shutdown(self, wired: Any) -> None:
        http, _, _, store = wired
        assert (await http.get("/healthz")).status == 200
        assert (await http.get("/readyz")).status == 200
        await http.post("/v1/records", json=CALL, headers=AGENT)
        assert await store.checkpoints() == []
        await http.close()
        [signed] = await store.checkpoints()
        assert signed.size == 1
        assert open_note(signed.note, [SIGNER.key]).size == 1
