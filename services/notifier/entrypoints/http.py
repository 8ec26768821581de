"""The notifier's own document route: the OpenAPI description of every route it serves."""

from __future__ import annotations

from aiohttp import web

from services.notifier.entrypoints.openapi import OPENAPI


async def openapi(_: web.Request) -> web.Response:
    return web.json_response(OPENAPI)


def document_routes() -> list[web.RouteDef]:
    return [web.get("/openapi.json", openapi)]
