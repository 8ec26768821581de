"""The services' HTTP APIs as a client calls them in broker tests: a JSON call with its status,
and the audit timeline as an auditor reads it."""

from __future__ import annotations

from typing import Any

import aiohttp

#: The audit log's entries recording who read what (every timeline read adds some).
READS = "dunwell.audit.plaintext-read.v1"


async def call(
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
    body: Any = None,
    params: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """The status and JSON body of one call (the reason, as text, of a refusal)."""
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, url, json=body, params=params) as response,
    ):
        if response.status >= 300:
            return response.status, response.reason
        return response.status, await response.json()


async def timeline(audit: str, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    """The evidence log's entries of a debtor or loan (``audit``: the service's base URL),
    without the entries recording reads."""
    status, body = await call("GET", f"{audit}/v1/timeline", headers, params=query)
    assert status == 200, body
    return [e for e in body["entries"] if e["kind"] != READS]
