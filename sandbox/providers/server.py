"""The provider sandbox as one local HTTP server (``/aliyun/``, ``/tencent/``, ``/twilio/``,
``/wechat/``), with borrower replies sent back the way each provider sends them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from sandbox.providers.aliyun import AliyunApi
from sandbox.providers.core import Credentials, SandboxState, control_routes, fresh_id
from sandbox.providers.tencent import TencentApi
from sandbox.providers.twilio import TwilioApi
from sandbox.providers.wechat import WeChatApi
from sandbox.smtp import free_port
from services.notifier.adapters.channels.signing import twilio_signature, wechat_signature


def reply_routes(state: SandboxState) -> list[web.RouteDef]:
    """``POST /_reply {"provider", "from", "text"}``: a borrower answers by SMS or WeChat."""
    cred = state.credentials

    async def reply(request: web.Request) -> web.Response:
        body = await request.json()
        provider, sender, text = str(body["provider"]), str(body["from"]), str(body["text"])
        base = state.callback_base or ""
        if provider == "aliyun":
            item = {
                "phone_number": sender.removeprefix("+86"),
                "send_time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "content": text,
                "sign_name": cred.sign_name,
                "dest_code": "1234",
                "sequence_id": int(time.time() * 1000),
            }
            await state.post(
                f"{base}/v1/callbacks/aliyun/{cred.callback_secret}/reply", json=[item]
            )
        elif provider == "tencent":
            item = {
                "extend": "",
                "mobile": sender.removeprefix("+86"),
                "nationcode": "86",
                "sign": cred.sign_name,
                "text": text,
                "time": int(time.time()),
            }
            await state.post(f"{base}/v1/callbacks/tencent/{cred.callback_secret}/reply", json=item)
        elif provider == "twilio":
            url = f"{base}/v1/callbacks/twilio/inbound"
            form = {
                "MessageSid": "SM" + fresh_id() + fresh_id(),
                "From": sender,
                "To": cred.twilio_from,
                "Body": text,
                "AccountSid": cred.twilio_sid,
            }
            signature = twilio_signature(cred.twilio_token, url, form.items())
            await state.post(url, data=form, headers={"X-Twilio-Signature": signature})
        elif provider == "wechat":
            stamp, nonce = str(int(time.time())), fresh_id()
            xml = (
                f"<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName>"
                f"<FromUserName><![CDATA[{sender}]]></FromUserName><CreateTime>{stamp}</CreateTime>"
                f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
                f"<MsgId>{int(time.time() * 1000)}</MsgId></xml>"
            )
            params = {
                "signature": wechat_signature(cred.wechat_token, stamp, nonce),
                "timestamp": stamp,
                "nonce": nonce,
            }
            await state.post(f"{base}/v1/callbacks/wechat", params=params, data=xml.encode())
        else:
            raise web.HTTPBadRequest(text=f"unknown provider {provider}")
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
        for api in (AliyunApi(state), TencentApi(state), TwilioApi(state), self.wechat):
            app.add_routes(api.routes())
        app.add_routes(control_routes(state))
        app.add_routes(reply_routes(state))

        async def session(app: web.Application):  # type: ignore[no-untyped-def]
            state.session = aiohttp.ClientSession()
            yield
            for task in list(state.tasks):
                task.cancel()
            await state.session.close()

        app.cleanup_ctx.append(session)
        return app

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
