"""The audit service's HTTP API: append, read, prove, export, verify."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import web
from pydantic import ValidationError

from services.audit.domain import merkle
from services.audit.domain.keys import KeyHistory
from services.audit.domain.records import RECORDS, entry_for_agent_record
from services.audit.domain.verification import public_answer
from services.audit.entrypoints.auth import RateLimit, SignIn, require, require_case_reader
from services.audit.entrypoints.openapi import OPENAPI
from services.audit.entrypoints.page import language, render
from services.audit.handlers.bundle import BundleExport, NothingToExport
from services.audit.handlers.evidence import EvidenceLog
from services.audit.handlers.reads import log_plaintext_read, read_case
from services.audit.metrics import APPENDS, VERIFY_LOOKUPS
from services.audit.ports import AuditStore
from services.audit.settings import Settings
from shared.web import validation_reason

MAX_LIMIT: Final = 10_000


@dataclass(frozen=True, kw_only=True)
class AuditApi:
    """What the routes need, wired once by the composition root."""

    settings: Settings
    log: EvidenceLog
    store: AuditStore
    keys: KeyHistory
    export: BundleExport
    rate: RateLimit
    sign_in: SignIn


api_key: Final = web.AppKey("audit_api", AuditApi)


def _api(request: web.Request) -> AuditApi:
    return request.app[api_key]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _int(request: web.Request, name: str, default: int | None = None) -> int:
    raw = request.query.get(name) or request.match_info.get(name)
    if raw is None:
        if default is None:
            raise web.HTTPBadRequest(reason=f"{name} is required")
        return default
    try:
        return int(raw)
    except ValueError:
        raise web.HTTPBadRequest(reason=f"{name} must be an integer") from None


async def _json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise web.HTTPBadRequest(reason="body must be JSON") from None


def _case(query: Any) -> tuple[str | None, str | None]:
    debtor, loan = query.get("debtor_id"), query.get("loan_id")
    if not debtor and not loan:
        raise web.HTTPBadRequest(reason="debtor_id or loan_id is required")
    return debtor or None, loan or None


async def append_record(request: web.Request) -> web.Response:
    """``POST /v1/records`` (agent): a call log, visit record or recording hash."""
    api = _api(request)
    who = await require(request, api.sign_in, "agent")
    try:
        record = RECORDS.validate_python(await _json(request))
    except ValidationError as e:
        raise web.HTTPUnprocessableEntity(reason=validation_reason(e)) from None
    before = api.log.size
    [index] = await api.log.append([entry_for_agent_record(record, source=who.name)])
    APPENDS.labels("http").inc(api.log.size - before)
    return web.json_response({"leaf_index": index}, status=201 if api.log.size > before else 200)


async def timeline(request: web.Request) -> web.Response:
    """``GET /v1/timeline?debtor_id=|loan_id=|kind=`` (auditor, or a desk's case grant for its
    one loan): decrypted, the read logged under the reader's id."""
    api = _api(request)
    who = await require_case_reader(request, api.sign_in, request.query)
    kind = request.query.get("kind") or None
    debtor, loan = (
        (None, None)
        if kind and not (request.query.get("debtor_id") or request.query.get("loan_id"))
        else _case(request.query)
    )
    limit = _int(request, "limit", 1000)
    if not 1 <= limit <= MAX_LIMIT:
        raise web.HTTPBadRequest(reason=f"limit must be between 1 and {MAX_LIMIT}")
    entries = await read_case(
        api.log,
        api.store,
        debtor_id=debtor,
        loan_id=loan,
        reader=who.name,
        limit=limit,
        kind=kind,
    )
    return web.json_response({"entries": entries})


async def entry_with_proof(request: web.Request) -> web.Response:
    """``GET /v1/entries/{index}`` (auditor): the entry and its proof to the latest checkpoint."""
    api = _api(request)
    who = await require(request, api.sign_in, "auditor")
    index = _int(request, "index")
    latest = await api.store.checkpoints(latest_only=True)
    if not latest or not 0 <= index < latest[0].size:
        raise web.HTTPNotFound(reason="no checkpointed entry with that index")
    [row] = await api.store.leaves([index])
    [opened] = await api.log.open([row])
    if opened.plaintext is not None:
        await log_plaintext_read(api.log, reader=who.name, purpose="entry", indexes=[index])
    proof = await api.log.inclusion_proof(index, latest[0].size)
    return web.json_response(
        {
            "leaf_index": index,
            "leaf_data": _b64(row.leaf_data),
            "leaf_hash": _b64(merkle.leaf_hash(row.leaf_data)),
            "plaintext": _b64(opened.plaintext) if opened.plaintext is not None else None,
            "tree_size": latest[0].size,
            "inclusion_proof": [_b64(h) for h in proof],
            "checkpoint": latest[0].note,
        }
    )


async def consistency(request: web.Request) -> web.Response:
    """``GET /v1/proofs/consistency?from=&to=`` (auditor)."""
    api = _api(request)
    await require(request, api.sign_in, "auditor")
    size1, size2 = _int(request, "from"), _int(request, "to")
    if not 0 < size1 <= size2 <= api.log.size:
        raise web.HTTPBadRequest(reason=f"need 0 < from <= to <= {api.log.size}")
    proof = await api.log.consistency_proof(size1, size2)
    return web.json_response(
        {
            "from": size1,
            "to": size2,
            "proof": [_b64(h) for h in proof],
            "root1": _b64(await api.log.root_at(size1)),
            "root2": _b64(await api.log.root_at(size2)),
        }
    )


async def checkpoint(request: web.Request) -> web.Response:
    """``GET /v1/checkpoint`` (public): the latest signed note."""
    latest = await _api(request).store.checkpoints(latest_only=True)
    if not latest:
        raise web.HTTPNotFound(reason="no checkpoint yet")
    return web.Response(text=latest[0].note, content_type="text/plain", charset="utf-8")


async def keys(request: web.Request) -> web.Response:
    """``GET /v1/keys`` (public): the log's key history."""
    return web.json_response(
        {"keys": [k.model_dump(mode="json") for k in _api(request).keys.published]}
    )


async def export_bundle(request: web.Request) -> web.Response:
    """``POST /v1/bundles`` (auditor) with ``{"debtor_id"}`` or ``{"loan_id"}``."""
    api = _api(request)
    who = await require(request, api.sign_in, "auditor")
    body = await _json(request)
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="body must be a JSON object")
    debtor, loan = _case(body)
    try:
        document, read = await api.export.export(
            debtor_id=debtor, loan_id=loan, exported_by=who.name
        )
    except NothingToExport as e:
        raise web.HTTPNotFound(reason=str(e)) from None
    await log_plaintext_read(api.log, reader=who.name, purpose="export", indexes=read)
    return web.json_response(document, dumps=lambda d: json.dumps(d, ensure_ascii=False))


async def verify_code(request: web.Request) -> web.Response:
    """``POST /v1/verify`` (public, rate-limited) with ``{"code", "lang"?}``."""
    api = _api(request)
    if not api.rate.allow(request.remote or "unknown"):
        VERIFY_LOOKUPS.labels("rate_limited").inc()
        raise web.HTTPTooManyRequests(reason="too many lookups; try again in a minute")
    body = await _json(request)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not 4 <= len(code) <= 16 or not code.isalnum():
        raise web.HTTPBadRequest(reason="code must be 4 to 16 letters or digits")
    asked = body.get("lang")
    lang = language(
        asked if isinstance(asked, str) else None, request.headers.get("Accept-Language")
    )
    bank = api.settings.institution.of(lang)
    answer = public_answer(
        await api.store.find_code(code.upper()), bank.name, bank.official_hotline
    )
    VERIFY_LOOKUPS.labels("genuine" if answer["genuine"] else "unknown").inc()
    return web.json_response(answer)


async def verify_page(request: web.Request) -> web.Response:
    """``GET /verify``: the borrower's page."""
    lang = language(request.query.get("lang"), request.headers.get("Accept-Language"))
    bank = _api(request).settings.institution.of(lang)
    body = render(lang, bank.name, bank.official_hotline)
    return web.Response(text=body, content_type="text/html", charset="utf-8")


async def openapi(_: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/records", append_record)
    app.router.add_get("/v1/timeline", timeline)
    app.router.add_get("/v1/entries/{index}", entry_with_proof)
    app.router.add_get("/v1/proofs/consistency", consistency)
    app.router.add_get("/v1/checkpoint", checkpoint)
    app.router.add_get("/v1/keys", keys)
    app.router.add_post("/v1/bundles", export_bundle)
    app.router.add_post("/v1/verify", verify_code)
    app.router.add_get("/verify", verify_page)
    app.router.add_get("/openapi.json", openapi)
