"""The provider sandbox on its own thread and event loop, for synchronous callers (the e2e
fixtures) and for ``make run`` beside the service processes."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import aiohttp

from sandbox.providers.core import Credentials, Received
from sandbox.providers.server import ProviderSandbox


class BackgroundSandbox:
    def __init__(
        self,
        callback_base: str | None,
        port: int = 0,
        credentials: Credentials | None = None,
    ) -> None:
        self.sandbox = ProviderSandbox(callback_base, credentials)
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return self.sandbox.url

    @property
    def credentials(self) -> Credentials:
        return self.sandbox.state.credentials

    def start(self) -> BackgroundSandbox:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.sandbox.start(self._port), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.sandbox.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def received(self) -> list[Received]:
        return list(self.sandbox.state.received)

    def fault(self, provider: str, *kinds: str, **options: Any) -> None:
        """Switch a fault on (``rate`` or ``count``), as ``POST /_faults`` does; each injected
        fault is one of ``kinds``, at random."""

        async def post() -> None:
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    f"{self.url}/_faults",
                    json={"provider": provider, "kinds": list(kinds), **options},
                ) as r,
            ):
                r.raise_for_status()

        asyncio.run_coroutine_threadsafe(post(), self._loop).result(10)
