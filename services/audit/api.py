"""The audit service's HTTP API: read the log."""

from __future__ import annotations

import base64
import json
from typing import Any, Final

from aiohttp import web

from services.audit.domain import StoredEntry
from services.audit.ports import AuditStore

store_key: Final = web.AppKey("audit_store", AuditStore)
MAX_LIMIT: Final = 1000


def entry_json(stored: StoredEntry) -> dict[str, Any]:
    entry = stored.entry
    try:
        payload: Any = json.loads(entry.payload)
    except ValueError:
        payload = {"base64": base64.b64encode(entry.payload).decode()}
    return {
        "index": stored.index,
        "event_id": entry.event_id,
        "kind": entry.kind,
        "topic": entry.topic,
        "debtor_id": entry.debtor_id,
        "loan_id": entry.loan_id,
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_at": stored.recorded_at.isoformat(),
        "payload": payload,
    }


async def list_entries(request: web.Request) -> web.Response:
    """``GET /v1/entries?debtor_id=…&loan_id=…&limit=…``: entries in index order."""
    try:
        limit = int(request.query.get("limit", "100"))
    except ValueError:
        raise web.HTTPBadRequest(reason="limit must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise web.HTTPBadRequest(reason=f"limit must be between 1 and {MAX_LIMIT}")
    store = request.app[store_key]
    found = await store.entries(
        debtor_id=request.query.get("debtor_id"), loan_id=request.query.get("loan_id"), limit=limit
    )
    return web.json_response(
        {"size": await store.size(), "entries": [entry_json(e) for e in found]}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/entries", list_entries)
