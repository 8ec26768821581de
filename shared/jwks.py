"""The identity provider's keys over HTTP (its JWKS URL), cached, and a fixed key set."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import jwt

from shared.errors import RetryableError
from shared.identity import JwtSignIn, KeySet


def _keys(document: Mapping[str, Any]) -> dict[str | None, jwt.PyJWK]:
    """Signing keys of a JWKS by id; a key PyJWT cannot use, or a symmetric one (which a
    provider never publishes), is left out, never fatal."""
    found: dict[str | None, jwt.PyJWK] = {}
    for entry in document.get("keys", []):
        if entry.get("use", "sig") != "sig" or entry.get("kty") == "oct":
            continue
        try:
            key = jwt.PyJWK(entry)
        except (jwt.PyJWKError, jwt.InvalidKeyError):
            continue
        found[entry.get("kid")] = key
    if len(found) == 1:
        found.setdefault(None, next(iter(found.values())))
    return found


class StaticKeySet:
    """:class:`~shared.identity.KeySet` of a JWKS document given at start (tests)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._keys = _keys(document)

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        return self._keys.get(kid)


class HttpKeySet:
    """:class:`~shared.identity.KeySet` read from the provider's JWKS URL: kept for
    ``refresh_s``, fetched again at once for an unknown key id (a rotation), but not more than
    once per ``min_refetch_s`` (unknown ids cannot make a service flood the provider)."""

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        *,
        refresh_s: float = 300.0,
        min_refetch_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url, self._session = url, session
        self._refresh_s, self._min_refetch_s, self._clock = refresh_s, min_refetch_s, clock
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._refresh_s
        unknown = kid not in self._keys
        may_refetch = self._fetched_at is None or now - self._fetched_at >= self._min_refetch_s
        if stale or (unknown and may_refetch):
            await self._fetch(now)
        return self._keys.get(kid)

    async def _fetch(self, now: float) -> None:
        try:
            async with self._session.get(self._url) as response:
                if response.status != 200:
                    raise RetryableError(f"the identity provider answered {response.status}")
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            if self._keys:
                return  # keep verifying with the keys we have; try again next time
            raise RetryableError(f"identity provider unreachable: {type(e).__name__}") from e
        self._keys, self._fetched_at = _keys(document), now


async def open_key_set(stack: AsyncExitStack, settings: JwtSignIn) -> KeySet | None:
    """The identity provider's JWKS over HTTP when one is configured (its HTTP session closed
    with ``stack``); None when only configured tokens sign people in."""
    return await key_set_at(stack, settings.jwks_url, refresh_s=settings.jwks_refresh_s)


async def key_set_at(
    stack: AsyncExitStack, url: str | None, *, refresh_s: float = 300.0
) -> KeySet | None:
    """The JWKS at ``url`` over HTTP (its HTTP session closed with ``stack``); None for no URL."""
    if not url:
        return None
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5.0))
    stack.push_async_callback(session.close)
    return HttpKeySet(url, session, refresh_s=refresh_s)
