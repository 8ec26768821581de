"""``/v1/callbacks/<provider>/…``: one entry point for every provider's callbacks.

Each provider's plug declares the routes its console knows (so every registered URL keeps
working), authenticates and parses; this module maps what it refuses to HTTP, hands receipts
and replies to the shared use case, and answers as the provider expects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from aiohttp import web

from services.notifier.domain.inbound import Answer, CallbackRefused, CallbackRequest
from services.notifier.handlers.callbacks import CallbackContext, take_callback
from services.notifier.metrics import CALLBACKS_RECEIVED
from services.notifier.ports import CallbackPlug

CALLBACKS: Final = web.AppKey("callbacks", CallbackContext)
PREFIX: Final = "/v1/callbacks/"


def _refusal(provider: str, refused: CallbackRefused) -> web.HTTPException:
    """Forged or unreadable callbacks are counted; a wrong path secret is simply not found."""
    if refused.counted:
        CALLBACKS_RECEIVED.labels(provider, "rejected").inc()
    if refused.status == 404:
        return web.HTTPNotFound()
    status = _STATUS[refused.status]
    if refused.counted:
        return status(text=json.dumps({"error": refused.why}), content_type="application/json")
    return status(text=refused.why)


_STATUS: Final[Mapping[int, type[web.HTTPException]]] = {
    400: web.HTTPBadRequest,
    403: web.HTTPForbidden,
    415: web.HTTPUnsupportedMediaType,
}


def _retry_later() -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(
        text=json.dumps({"error": "unknown message for now; retry"}),
        content_type="application/json",
    )


def _response(answer: Answer) -> web.Response:
    if not answer.text:
        return web.Response(status=answer.status)
    return web.Response(status=answer.status, text=answer.text, content_type=answer.content_type)


def _provider_and_route(request: web.Request) -> tuple[str, str]:
    """The provider and its route: ``aliyun``, ``/{secret}/report`` for its report URL."""
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    provider, slash, route = canonical.removeprefix(PREFIX).partition("/")
    return provider, slash + route


async def _as_callback(request: web.Request, route: str) -> CallbackRequest:
    return CallbackRequest(
        method="GET" if request.method == "HEAD" else request.method,
        route=route,
        path_qs=request.path_qs,
        body=await request.read(),
        content_type=request.content_type,
        params=dict(request.match_info),
        query=request.query,
        headers=request.headers,
    )


def callback_routes(plugs: Mapping[str, CallbackPlug]) -> list[web.RouteDef]:
    """Every route every plug declares (the URLs registered with the providers' consoles), all
    to one handler that finds the provider's plug."""

    async def take(request: web.Request) -> web.StreamResponse:
        provider, route = _provider_and_route(request)
        try:
            inbound = plugs[provider].read(await _as_callback(request, route))
        except CallbackRefused as refused:
            raise _refusal(provider, refused) from refused
        if await take_callback(request.app[CALLBACKS], provider, inbound.items):
            raise _retry_later()
        return _response(inbound.answer)

    return [
        web.get(path, take) if method == "GET" else web.route(method, path, take)
        for name, plug in plugs.items()
        for method, route in plug.routes
        for path in [f"{PREFIX}{name}{route}"]
    ]
