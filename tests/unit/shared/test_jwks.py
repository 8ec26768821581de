"""The identity provider's keys over HTTP, from the sandbox's provider on a real socket."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from sandbox.identity import IdentityProvider, SigningKey
from shared.errors import RetryableError
from shared.jwks import HttpKeySet, StaticKeySet

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_keys_are_fetched_cached_and_refetched_for_a_rotation(
    aiohttp_server: ServerFactory,
) -> None:
    idp, fetched = IdentityProvider(), []

    @web.middleware
    async def count(
        request: web.Request, handler: Callable[..., Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        fetched.append(request.path)
        return await handler(request)

    app = idp.app()
    app.middlewares.append(count)
    server = await aiohttp_server(app)
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        keys = HttpKeySet(str(server.make_url("/jwks.json")), session, clock=clock)
        first = await keys.key("local-1")
        assert first is not None
        assert await keys.key("local-1") is first
        assert len(fetched) == 1
        idp.key = SigningKey("local-2")  # the provider rotates its key
        assert await keys.key("local-2") is None  # within min_refetch_s: not asked again
        clock.now += 11
        assert await keys.key("local-2") is not None
        assert len(fetched) == 2
        clock.now += 301
        assert await keys.key("local-1") is None  # refreshed: the old key is gone
        assert len(fetched) == 3


async def test_an_unreachable_provider_keeps_the_keys_it_gave_or_defers(
    aiohttp_server: ServerFactory,
) -> None:
    server = await aiohttp_server(IdentityProvider().app())
    url = str(server.make_url("/jwks.json"))
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        keys = HttpKeySet(url, session, clock=clock)
        assert await keys.key("local-1") is not None
        await server.close()
        clock.now += 400
        assert await keys.key("local-1") is not None
        never = HttpKeySet(url, session, clock=clock)
        with pytest.raises(RetryableError, match="unreachable"):
            await never.key("local-1")


async def test_a_fixed_key_set_and_keys_it_cannot_use() -> None:
    idp = IdentityProvider()
    document = {
        "keys": [
            idp.key.jwk(),
            {"kty": "oct", "kid": "x", "k": "AA"},
            {"kty": "nope", "kid": "y"},
        ]
    }
    keys = StaticKeySet(document)
    assert await keys.key("local-1") is not None
    assert await keys.key(None) is not None  # the only signing key answers for no kid
    assert await keys.key("x") is None
    assert await keys.key("y") is None
