"""A case's evidence, and the keys its grants are signed with.

``GET /v1/cases/{loan_id}/evidence``: the loan's entries in the audit service's evidence log,
read under the caller's own identity (a case grant the desk signs once the case is the
caller's to see; the audit service logs the read under their id). 403 for another team's
case, 404 an unknown loan, 503 while the evidence log does not answer.

``GET /.well-known/jwks.json`` (public): the desk's grant-signing key, which the audit service
fetches to verify grants.
"""

from __future__ import annotations

from aiohttp import web

from services.desk.entrypoints.api import _caller, _path, api_key
from services.desk.handlers.evidence import case_evidence


async def evidence(request: web.Request) -> web.Response:
    """``GET /v1/cases/{loan_id}/evidence``."""
    ctx, who = await _caller(request)
    loan_id = _path(request, "loan_id")
    return web.json_response(
        {"loan_id": loan_id, "entries": await case_evidence(loan_id, who, ctx)}
    )


async def jwks(request: web.Request) -> web.Response:
    """``GET /.well-known/jwks.json``: the public key of the desk's case grants."""
    return web.json_response(request.app[api_key].ctx.grants.jwks())


def add_evidence_routes(app: web.Application) -> None:
    app.router.add_get("/v1/cases/{loan_id}/evidence", evidence)
    app.router.add_get("/.well-known/jwks.json", jwks)
