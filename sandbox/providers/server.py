"""The provider sandbox as one local HTTP server (``/aliyun/``, ``/tencent/``, ``/twilio/``,
``/wechat/``), with borrower replies sent back the way each provider sends them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol

import aiohttp
from aiohttp import web

from sandbox.providers.aliyun import AliyunApi
from sandbox.providers.core import Credentials, SandboxState, control_routes
from sandbox.providers.tencent import TencentApi
from sandbox.providers.twilio import TwilioApi
from sandbox.providers.wechat import WeChatApi
from sandbox.smtp import free_port


class Fake(Protocol):
    """One provider's stand-in: its API routes, and a borrower's reply sent its way."""

    name: str

    def routes(self) -> list[web.RouteDef]: ...

    async def reply(self, sender: str, text: str) -> None: ...


def reply_routes(state: SandboxState, fakes: Mapping[str, Fake]) -> list[web.RouteDef]:
    """``POST /_reply {"provider", "from", "text"}``: a borrower answers by SMS or WeChat."""

    async def reply(request: web.Request) -> web.Response:
        body = await request.json()
        provider, sender, text = str(body["provider"]), str(body["from"]), str(body["text"])
        fake = fakes.get(provider)
        if fake is None:
            raise web.HTTPBadRequest(text=f"unknown provider {provider}")
        if state.callback_base:
            await fake.reply(sender, text)
        return web.json_response({"ok": True})

    return [web.post("/_reply", reply)]


class ProviderSandbox:
    """Start and stop the sandbox; ``url`` is its base, ``state`` what it saw."""

    def __init__(
        self,
        callback_base: str | None = None,
        credentials: Credentials | None = None,
        seed: int = 7,
    ) -> None:
        self.state = SandboxState(credentials or Credentials(), callback_base, seed)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        state = self.state
        self.wechat = WeChatApi(state)
        fakes: list[Fake] = [AliyunApi(state), TencentApi(state), TwilioApi(state), self.wechat]
        for fake in fakes:
            app.add_routes(fake.routes())
        app.add_routes(control_routes(state))
        app.add_routes(reply_routes(state, {fake.name: fake for fake in fakes}))
        app.cleanup_ctx.append(self._session)
        return app

    async def _session(self, app: web.Application) -> AsyncIterator[None]:
        """One client session for the callbacks; pending callbacks are cancelled at the end."""
        self.state.session = aiohttp.ClientSession()
        yield
        for task in list(self.state.tasks):
            task.cancel()
        await self.state.session.close()

    async def start(self, port: int = 0) -> ProviderSandbox:
        self.port = port or free_port()
        self._runner = web.AppRunner(self.app(), handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
