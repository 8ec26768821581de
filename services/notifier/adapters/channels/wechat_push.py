"""WeChat's server URL: the URL check and every push, in plaintext, compatible or safe mode.

A push is signed (``signature``: SHA-1 of the sorted token, timestamp and nonce) and fresh. In
safe mode its body is ``<Encrypt>`` under ``msg_signature`` (:mod:`.wechat_crypto`); compatible
mode accepts both; plaintext mode refuses an encrypted push it cannot read rather than answer
``success`` and drop it. A push is not refused for coming again with the same query: WeChat
resends exactly that after a 503 or a timeout, and each receipt and reply is taken once by its
own identity (the message's MsgId, or its sender and CreateTime) in the callback store.

What a push says: a send-finished event (template ``TEMPLATESENDJOBFINISH``, subscribe message
``subscribe_msg_sent_event``) is a receipt naming the recipient, so a send whose id we never
learned can still be matched; an unfollow is an opt-out; a text is a reply.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Final, Literal
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import ParseError, fromstring

from services.notifier.adapters.channels.signing import wechat_signature
from services.notifier.adapters.channels.wechat_crypto import WeChatCrypto, msg_signature
from services.notifier.domain.inbound import (
    FRESHNESS_S,
    Answer,
    CallbackRefused,
    CallbackRequest,
    Inbound,
    Receipt,
    Reply,
    same,
)

Encryption = Literal["plain", "compatible", "safe"]
CHANNEL: Final = "wechat"


def _root(body: bytes) -> Element:
    try:
        root: Element = fromstring(body)
    except ParseError as e:
        raise CallbackRefused(400, "body is not XML") from e
    return root


def push_fields(body: bytes) -> dict[str, str]:
    """The push's top-level fields by name."""
    return {child.tag: (child.text or "") for child in _root(body)}


def _finished_subscribe(root: Element, openid: str) -> list[Receipt]:
    """Each ``SubscribeMsgSentEvent/List``: one subscribe message's outcome."""
    receipts = []
    for item in root.iterfind("SubscribeMsgSentEvent/List"):
        msgid = item.findtext("MsgID", "")
        status = item.findtext("ErrorStatus", "") or f"error {item.findtext('ErrorCode', '')}"
        failed = item.findtext("ErrorCode", "0") != "0"
        receipts.append(
            Receipt(
                ids=(msgid,),
                status=status if failed or status else "success",
                dedupe=f"subscribe:{msgid}",
                recipient=(CHANNEL, openid) if openid else None,
                failed=failed,
            )
        )
    return receipts


def parse_receipts(root: Element) -> list[Receipt]:
    """A send-finished event, correlated on the send's MsgID, else on its recipient."""
    if root.findtext("MsgType") != "event":
        return []
    event, openid = root.findtext("Event"), root.findtext("FromUserName", "")
    if event == "subscribe_msg_sent_event":
        return _finished_subscribe(root, openid)
    if event != "TEMPLATESENDJOBFINISH":
        return []
    msgid = root.findtext("MsgID", "")
    recipient: tuple[Literal["wechat"], str] | None = (CHANNEL, openid) if openid else None
    status = root.findtext("Status", "")
    failed = status.startswith("failed")  # "failed:user block", "failed: system failed"
    return [Receipt((msgid,), status, msgid, recipient=recipient, failed=failed)]


def parse_replies(field: dict[str, str]) -> list[Reply]:
    """An unfollow (an opt-out) or a text message from a follower."""
    openid, kind, event = field.get("FromUserName", ""), field.get("MsgType"), field.get("Event")
    if kind == "event" and event == "unsubscribe":
        dedupe = f"{openid}:{field.get('CreateTime')}:unsubscribe"
        return [Reply(channel="wechat", address=openid, text="退订", dedupe=dedupe)]
    if kind == "text":
        dedupe = field.get("MsgId") or f"{openid}:{field.get('CreateTime')}"
        return [Reply("wechat", openid, field.get("Content", ""), dedupe)]
    return []


def _xml(tag: str, fields: dict[str, str]) -> bytes:
    root = Element(tag)
    for name, value in fields.items():
        SubElement(root, name).text = value
    xml: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return xml


class WeChatCallbacks:
    """``GET /v1/callbacks/wechat`` (server URL verification) and ``POST`` (pushes)."""

    routes = (("GET", ""), ("POST", ""))

    def __init__(
        self,
        token: str,
        clock: Callable[[], float] = time.time,
        *,
        encryption: Encryption = "plain",
        crypto: WeChatCrypto | None = None,
        reply_ack: str = "",
    ) -> None:
        self._token, self._clock = token, clock
        self._encryption, self._crypto, self._ack = encryption, crypto, reply_ack

    def authenticate(self, request: CallbackRequest) -> None:
        """Signed with our token and fresh (a resent push repeats its query: not refused)."""
        q = request.query
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        if not same(q.get("signature", ""), wechat_signature(self._token, timestamp, nonce)):
            raise CallbackRefused(403, "bad signature")
        if not timestamp.isdigit() or abs(self._clock() - int(timestamp)) > FRESHNESS_S:
            raise CallbackRefused(403, "stale timestamp")

    def read(self, request: CallbackRequest) -> Inbound:
        self.authenticate(request)
        if request.method == "GET":
            return Inbound([], Answer(text=request.query.get("echostr", "")))
        body, sealed = self._open(request)
        root = _root(body)
        field = {child.tag: (child.text or "") for child in root}
        items: list[Receipt | Reply] = [*parse_receipts(root), *parse_replies(field)]
        return Inbound(items, self._answer(field, request if sealed else None))

    def _open(self, request: CallbackRequest) -> tuple[bytes, bool]:
        """The push's own XML, and whether it came encrypted (the answer goes back the same)."""
        kind = request.query.get("encrypt_type", "raw")
        if kind not in ("raw", "aes"):
            raise CallbackRefused(400, f"unknown encrypt_type {kind[:20]!r}")
        if kind == "raw":
            if self._encryption == "safe":
                raise CallbackRefused(400, "a plaintext push where safe mode is configured")
            return request.body, False
        if self._crypto is None:
            raise CallbackRefused(400, "an encrypted push but no EncodingAESKey is configured")
        encrypt = push_fields(request.body).get("Encrypt", "")
        if not encrypt:
            raise CallbackRefused(400, "an encrypted push without Encrypt")
        q = request.query
        signature, timestamp, nonce = (
            q.get(k, "") for k in ("msg_signature", "timestamp", "nonce")
        )
        self._crypto.check(signature, timestamp, nonce, encrypt, self._token)
        return self._crypto.decrypt(encrypt), True

    def _answer(self, field: dict[str, str], sealed: CallbackRequest | None) -> Answer:
        """``success``; a follower's text gets the account's acknowledgement when it has one,
        as a passive reply, encrypted when the push was."""
        if not self._ack or field.get("MsgType") != "text":
            return Answer(text="success")
        reply = _xml(
            "xml",
            {
                "ToUserName": field.get("FromUserName", ""),
                "FromUserName": field.get("ToUserName", ""),
                "CreateTime": str(int(self._clock())),
                "MsgType": "text",
                "Content": self._ack,
            },
        )
        if sealed is None or self._crypto is None:
            return Answer(text=reply.decode(), content_type="application/xml")
        return Answer(text=self.seal(reply).decode(), content_type="application/xml")

    def seal(self, reply: bytes, nonce: str | None = None) -> bytes:
        """A reply as safe mode answers: ``Encrypt``, ``MsgSignature``, ``TimeStamp``, ``Nonce``."""
        if self._crypto is None:
            raise ValueError("no EncodingAESKey to seal a reply with")
        stamp, nonce = str(int(self._clock())), nonce or secrets.token_hex(8)
        encrypt = self._crypto.encrypt(reply)
        return _xml(
            "xml",
            {
                "Encrypt": encrypt,
                "MsgSignature": msg_signature(self._token, stamp, nonce, encrypt),
                "TimeStamp": stamp,
                "Nonce": nonce,
            },
        )
