"""aiohttp pieces every service's HTTP server shares."""

from __future__ import annotations

import logging
import math

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError

from shared.errors import RetryableError

log = logging.getLogger(__name__)


@web.middleware
async def retryable_as_503(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A transient failure behind a request (database or broker unavailable) answers 503 with
    ``Retry-After`` and the reason, so callers (providers' callbacks, the dialler) try again
    instead of taking a 500 as a verdict."""
    try:
        return await handler(request)
    except RetryableError as e:
        log.warning("request deferred: %s", e, extra={"path": request.path})
        return web.json_response(
            {"error": "temporarily unavailable", "reason": str(e)},
            status=503,
            headers={"Retry-After": str(max(1, math.ceil(e.defer_s)))},
        )


def printable(text: str, limit: int = 300) -> str:
    """``text`` fit for an HTTP status line: printable ASCII only, at most ``limit`` characters.
    A caller's own field names may hold anything, and a control character there would break
    the response."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:limit]


def validation_reason(error: ValidationError) -> str:
    """Where and why a request body was refused (field path and error type, never the value),
    printable for the status line."""
    return printable(
        "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['type']}" for e in error.errors())
    )
