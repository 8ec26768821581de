"""WeChat Official Account as the sandbox speaks it: stable_token, template and subscribe
messages, and pushes to the server URL, encrypted in safe mode by an independent
implementation (wechatpy's WeChatCrypto, a development dependency; never the notifier's)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from typing import Any

from aiohttp import web
from wechatpy.crypto import WeChatCrypto

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error
from sandbox.providers.wechat_messages import shown, subscribe_refusal, values_of

_OPENID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
#: How long after a lost answer the send-finished push comes (the notifier waits 3 s locally).
FINISHED_AFTER_LOST_ANSWER_S = 5.0
#: A "slow" fault: the answer comes this late, within the notifier's 3 s, after the push.
SLOW_ANSWER_S = 1.0


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
            web.post("/wechat/cgi-bin/message/subscribe/send", self.subscribe),
            web.post("/wechat/_unfollow", self.unfollowed),
        ]

    async def unfollowed(self, request: web.Request) -> web.Response:
        """``POST /wechat/_unfollow {"openid"}``: that follower unfollows the account."""
        openid = str((await request.json())["openid"])
        if self.state.callback_base:
            await self.unfollow(openid)
        return web.json_response({"ok": True})

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

    async def send(self, request: web.Request) -> web.StreamResponse:
        """``cgi-bin/message/template/send``: answered with the message's msgid."""
        return await self._send(request, "template")

    async def subscribe(self, request: web.Request) -> web.StreamResponse:
        """``cgi-bin/message/subscribe/send``: answered without an id; the MsgID comes in
        the ``subscribe_msg_sent_event`` push."""
        return await self._send(request, "subscribe")

    async def _send(self, request: web.Request, kind: str) -> web.StreamResponse:
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
        fields = values_of(payload)
        refusal = subscribe_refusal(fields) if kind == "subscribe" else None
        if refusal is not None:
            return web.json_response({"errcode": 47003, "errmsg": refusal})
        text = shown(self.state, kind, payload.get("template_id"), fields)
        if text is None:
            return web.json_response({"errcode": 40037, "errmsg": "invalid template_id"})
        msgid = next(self.msgids)
        self.state.keep("wechat", openid, text, str(msgid))
        # When the answer is lost (a timeout), the send-finished push still comes, a little
        # after the sender has given up waiting.
        delay = FINISHED_AFTER_LOST_ANSWER_S if fault == "timeout" else 0.0
        self.state.later(self.push_finished(openid, msgid, delay, kind, payload["template_id"]))
        answer = web.json_response(
            {"errcode": 0, "errmsg": "ok"} | ({"msgid": msgid} if kind == "template" else {})
        )
        if fault == "timeout":
            await hang()
        if fault == "slow":  # answered in time, but after the send-finished push
            await asyncio.sleep(SLOW_ANSWER_S)
        return answer

    async def push_finished(
        self, openid: str, msgid: int, delay: float, kind: str, template_id: str
    ) -> None:
        """The send-finished event (TEMPLATESENDJOBFINISH, or subscribe_msg_sent_event)."""
        if not self.state.callback_base:
            return
        await asyncio.sleep(delay)
        head = (
            "<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        )
        if kind == "template":
            event = (
                f"<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>{msgid}</MsgID>"
                "<Status><![CDATA[success]]></Status>"
            )
        else:
            event = (
                "<Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent>"
                f"<List><TemplateId><![CDATA[{template_id}]]></TemplateId><MsgID>{msgid}</MsgID>"
                "<ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List>"
                "</SubscribeMsgSentEvent>"
            )
        await self.push(f"{head}{event}</xml>")

    async def push(self, xml: str) -> None:
        """A push to the server URL, signed with the token as every WeChat push is, and in
        safe mode encrypted under the EncodingAESKey with its ``msg_signature``."""
        stamp, nonce = str(int(time.time())), fresh_id()
        params = {
            "signature": signature(self.cred.wechat_token, stamp, nonce),
            "timestamp": stamp,
            "nonce": nonce,
        }
        body = xml
        if self.cred.wechat_encryption != "plain":
            cred = self.cred
            crypto = WeChatCrypto(cred.wechat_token, cred.wechat_aes_key, cred.wechat_app_id)
            body = crypto.encrypt_message(xml, nonce, stamp)
            sealed = re.search(r"<MsgSignature><!\[CDATA\[([0-9a-f]+)\]\]>", body)
            params |= {"encrypt_type": "aes", "msg_signature": sealed.group(1) if sealed else ""}
        await self.state.post(
            f"{self.state.callback_base}/v1/callbacks/wechat", params=params, data=body.encode()
        )

    async def unfollow(self, openid: str) -> None:
        """A follower unfollows the account (the ``unsubscribe`` event)."""
        xml = (
            "<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[unsubscribe]]></Event></xml>"
        )
        await self.push(xml)

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
