"""WeChat Official Account as the sandbox speaks it: stable_token and template messages."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from aiohttp import web

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error

_OPENID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def signature(token: str, timestamp: str, nonce: str) -> str:
    """A push's ``signature``: SHA-1 hex of the token, timestamp and nonce, sorted and joined
    (the sandbox's own code: it never uses the notifier's signing)."""
    joined = "".join(sorted((token, timestamp, nonce)))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - WeChat's scheme


class WeChatApi:
    name = "wechat"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.cred = state.credentials
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.current: str | None = None
        self.msgids = iter(range(200_000_000_000, 300_000_000_000))
        self.issued = 0

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/wechat/cgi-bin/stable_token", self.stable_token),
            web.post("/wechat/cgi-bin/message/template/send", self.send),
        ]

    def new_token(self) -> str:
        for token in self.tokens:
            self.tokens[token] = False
        self.current = fresh_id("ACCESS_TOKEN_") + fresh_id()
        self.tokens[self.current] = True
        self.issued += 1
        return self.current

    async def stable_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("appid") != self.cred.wechat_app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if body.get("secret") != self.cred.wechat_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = self.current
        if body.get("force_refresh") or token is None or not self.tokens[token]:
            token = self.new_token()
        return web.json_response({"access_token": token, "expires_in": 7200})

    def token_error(self, token: str, fault: str | None) -> web.Response | None:
        if fault == "42001" and token in self.tokens:
            self.tokens[token] = False
        if token not in self.tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        if not self.tokens[token]:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        return None

    def known_template(self, template_id: object) -> bool:
        registry = self.state.registry
        return any(
            template_id in registry.template(t).provider_codes.get("wechat", {}).values()
            for t in registry.ids()
        )

    async def send(self, request: web.Request) -> web.StreamResponse:
        fault = self.state.fault("wechat")
        refused = self.token_error(request.query.get("access_token", ""), fault)
        if refused is not None:
            return refused
        if fault == "45009":
            return web.json_response(
                {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
            )
        if fault == "5xx":
            return json_error(503, {"errcode": -1, "errmsg": "system error"})
        payload: dict[str, Any] = await request.json()
        openid = str(payload.get("touser", ""))
        if not _OPENID.match(openid):
            return web.json_response({"errcode": 40003, "errmsg": "invalid openid"})
        if not self.known_template(payload.get("template_id")):
            return web.json_response({"errcode": 40037, "errmsg": "invalid template_id"})
        fields = payload.get("data") or {}
        text = "\n".join(f"{name}: {value.get('value', '')}" for name, value in fields.items())
        code = str((fields.get("character_string5") or {}).get("value", ""))
        msgid = next(self.msgids)
        self.state.keep("wechat", openid, f"{text}\nverification code {code}", str(msgid))
        self.state.later(self.push_finished(openid, msgid))
        answer = web.json_response({"errcode": 0, "errmsg": "ok", "msgid": msgid})
        if fault == "timeout":
            await hang()
        return answer

    async def push_finished(self, openid: str, msgid: int) -> None:
        """The TEMPLATESENDJOBFINISH event, signed like every WeChat push."""
        if not self.state.callback_base:
            return
        xml = (
            "<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{msgid}</MsgID>"
            "<Status><![CDATA[success]]></Status></xml>"
        )
        await self.push(xml)

    async def push(self, xml: str) -> None:
        """A push to the server URL, signed with the token as every WeChat push is."""
        stamp, nonce = str(int(time.time())), fresh_id()
        params = {
            "signature": signature(self.cred.wechat_token, stamp, nonce),
            "timestamp": stamp,
            "nonce": nonce,
        }
        await self.state.post(
            f"{self.state.callback_base}/v1/callbacks/wechat", params=params, data=xml.encode()
        )

    async def reply(self, sender: str, text: str) -> None:
        """A text message from a follower."""
        xml = (
            f"<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName>"
            f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
            f"<MsgId>{int(time.time() * 1000)}</MsgId></xml>"
        )
        await self.push(xml)
