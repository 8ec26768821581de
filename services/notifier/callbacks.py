"""Provider callbacks: delivery receipts and borrower replies, each provider's own format.

Where the provider signs (Twilio, WeChat) the signature is verified and a stale or replayed
callback refused; where it does not (Aliyun, Tencent HTTP push) the URL carries a secret and
the network policy limits who can reach it. Every callback is taken once: repeats and replays
change nothing and are counted. Processing is quick, so providers get their answer in time.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from xml.etree.ElementTree import Element

from aiohttp import web
from defusedxml.ElementTree import ParseError, fromstring

from services.notifier.channels.signing import same, twilio_signature, wechat_signature
from services.notifier.domain.policy.pack import Pack
from services.notifier.domain.replies import classify
from services.notifier.domain.sends import contact_point_id
from services.notifier.metrics import CALLBACKS_RECEIVED
from services.notifier.ports import NotifierStore
from shared.events import (
    BorrowerReplied,
    Channel,
    InteractionRecorded,
    derived_event_id,
)
from shared.ports import EventPublisher

#: How old a signed callback may be, and how long its nonce is remembered.
FRESHNESS_S: Final = 300


@dataclass(frozen=True)
class CallbackSecrets:
    path_secret: str  # in the Aliyun and Tencent callback URLs
    twilio_auth_token: str
    wechat_token: str
    public_base_url: str  # how providers reach us, for Twilio's signature


class NonceCache:
    """Nonces seen within the freshness window (one process; the store dedupes the rest)."""

    def __init__(self, size: int = 100_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._size = size

    def first_time(self, nonce: str, now: float) -> bool:
        while self._seen and (next(iter(self._seen.values())) < now - FRESHNESS_S):
            self._seen.popitem(last=False)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


@dataclass(frozen=True)
class CallbackContext:
    store: NotifierStore
    publisher: EventPublisher
    interactions_topic: str
    replies_topic: str
    packs: Sequence[Pack]
    secrets: CallbackSecrets
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    nonces: NonceCache = field(default_factory=lambda: NonceCache())


CALLBACKS: Final = web.AppKey("callbacks", CallbackContext)


class Rejected(web.HTTPForbidden):
    def __init__(self, provider: str, why: str) -> None:
        CALLBACKS_RECEIVED.labels(provider, "rejected").inc()
        super().__init__(text=json.dumps({"error": why}), content_type="application/json")


def _bad_request(provider: str, why: str) -> web.HTTPBadRequest:
    CALLBACKS_RECEIVED.labels(provider, "rejected").inc()
    return web.HTTPBadRequest(text=json.dumps({"error": why}), content_type="application/json")


# -- what a callback does -----------------------------------------------------------------------


class ReceiptTooEarly(Exception):
    """A receipt for a send whose ledger row does not carry the provider's id yet."""


async def take_receipt(
    ctx: CallbackContext, provider: str, ids: list[str], status: str, dedupe: str
) -> None:
    """A delivery report becomes an interaction on the send it belongs to.

    A receipt can overtake the provider's own answer to the send (the ledger learns the
    provider's id from that answer): it is then refused for now, unmarked, and the provider's
    retry finds the send. Raises :class:`ReceiptTooEarly`.
    """
    sent = await ctx.store.find_send([i for i in ids if i])
    if sent is None:
        CALLBACKS_RECEIVED.labels(provider, "unknown").inc()
        raise ReceiptTooEarly(provider)
    if not await ctx.store.first_time(f"{provider}:receipt:{dedupe}", ctx.clock()):
        CALLBACKS_RECEIVED.labels(provider, "duplicate").inc()
        return
    CALLBACKS_RECEIVED.labels(provider, "accepted").inc()
    await ctx.publisher.publish(
        ctx.interactions_topic,
        InteractionRecorded(
            event_id=derived_event_id(provider, "receipt", dedupe),
            occurred_at=ctx.clock(),
            debtor_id=sent.debtor_id,
            loan_id=sent.loan_id,
            request_id=sent.key.rpartition("|")[0],
            channel=sent.channel,
            kind="delivery_reported",
            provider=provider,
            provider_message_id=ids[0][:256],
            reason=status[:500],
        ),
    )


async def take_reply(
    ctx: CallbackContext, provider: str, channel: Channel, address: str, text: str, dedupe: str
) -> None:
    """A borrower's reply: opt-outs take effect at once; every reply goes to the scheduler."""
    if not await ctx.store.first_time(f"{provider}:reply:{dedupe}", ctx.clock()):
        CALLBACKS_RECEIVED.labels(provider, "duplicate").inc()
        return
    debtor = await ctx.store.find_debtor(contact_point_id(channel, address))
    if debtor is None:
        CALLBACKS_RECEIVED.labels(provider, "unknown").inc()
        return
    CALLBACKS_RECEIVED.labels(provider, "accepted").inc()
    intent = classify(text, channel, ctx.packs)
    now = ctx.clock()
    if intent == "opt_out":
        await ctx.store.record_opt_out(debtor, channel, now)
    loan = await ctx.store.latest_loan(debtor)
    event_id = derived_event_id(provider, "reply", dedupe)
    await ctx.publisher.publish(
        ctx.replies_topic,
        BorrowerReplied(
            event_id=event_id,
            occurred_at=now,
            debtor_id=debtor,
            loan_id=loan,
            channel=channel,
            intent=intent,
        ),
    )
    await ctx.publisher.publish(
        ctx.interactions_topic,
        InteractionRecorded(
            event_id=derived_event_id(event_id, "interaction"),
            occurred_at=now,
            debtor_id=debtor,
            loan_id=loan,
            channel=channel,
            kind="reply_received",
            provider=provider,
            reason=f"intent: {intent}",
        ),
    )


# -- the routes ---------------------------------------------------------------------------------


async def _taken(receipt: Awaitable[None]) -> int:
    """1 when the receipt came too early (the provider is asked to send it again), else 0."""
    try:
        await receipt
    except ReceiptTooEarly:
        return 1
    return 0


def _retry_later() -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(
        text=json.dumps({"error": "unknown message for now; retry"}),
        content_type="application/json",
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json_array(provider: str, raw: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise _bad_request(provider, "body is not JSON") from e
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(i, dict) for i in items):
        raise _bad_request(provider, "expected a JSON object or an array of objects")
    return items


def _check_path_secret(ctx: CallbackContext, request: web.Request, provider: str) -> None:
    if not same(request.match_info["secret"], ctx.secrets.path_secret):
        CALLBACKS_RECEIVED.labels(provider, "rejected").inc()
        raise web.HTTPNotFound


def aliyun_routes() -> list[web.RouteDef]:
    async def report(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        _check_path_secret(ctx, request, "aliyun")
        early = 0
        for item in _json_array("aliyun", await request.read()):
            ids = [str(item.get("biz_id") or ""), str(item.get("out_id") or "")]
            status = f"{'delivered' if item.get('success') else 'failed'}: {item.get('err_code')}"
            dedupe = f"{item.get('biz_id')}:{item.get('err_code')}:{item.get('report_time')}"
            early += await _taken(take_receipt(ctx, "aliyun", ids, status, dedupe))
        if early:
            raise _retry_later()
        return web.json_response({"code": 0, "msg": "接收成功"})

    async def reply(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        _check_path_secret(ctx, request, "aliyun")
        for item in _json_array("aliyun", await request.read()):
            number = "+86" + str(item.get("phone_number", "")).removeprefix("86")
            dedupe = f"{item.get('sequence_id')}:{item.get('phone_number')}"
            await take_reply(ctx, "aliyun", "sms", number, str(item.get("content", "")), dedupe)
        return web.json_response({"code": 0, "msg": "接收成功"})

    return [
        web.post("/v1/callbacks/aliyun/{secret}/report", report),
        web.post("/v1/callbacks/aliyun/{secret}/reply", reply),
    ]


def tencent_routes() -> list[web.RouteDef]:
    async def report(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        _check_path_secret(ctx, request, "tencent")
        early = 0
        for item in _json_array("tencent", await request.read()):
            status = f"{str(item.get('report_status', '')).lower()}: {item.get('errmsg')}"
            dedupe = f"{item.get('sid')}:{item.get('report_status')}"
            sid = [str(item.get("sid") or "")]
            early += await _taken(take_receipt(ctx, "tencent", sid, status, dedupe))
        if early:
            raise _retry_later()
        return web.json_response({"result": 0, "errmsg": "OK"})

    async def reply(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        _check_path_secret(ctx, request, "tencent")
        for item in _json_array("tencent", await request.read()):
            number = f"+{item.get('nationcode', '86')}{item.get('mobile', '')}"
            dedupe = f"{item.get('mobile')}:{item.get('time')}:{item.get('text')}"
            await take_reply(ctx, "tencent", "sms", number, str(item.get("text", "")), dedupe)
        return web.json_response({"result": 0, "errmsg": "OK"})

    return [
        web.post("/v1/callbacks/tencent/{secret}/report", report),
        web.post("/v1/callbacks/tencent/{secret}/reply", reply),
    ]


def twilio_routes() -> list[web.RouteDef]:
    async def verified_form(request: web.Request) -> dict[str, str]:
        ctx = request.app[CALLBACKS]
        if request.content_type != "application/x-www-form-urlencoded":
            raise web.HTTPUnsupportedMediaType(
                text="Twilio posts application/x-www-form-urlencoded"
            )
        try:
            form = {k: str(v) for k, v in (await request.post()).items()}
        except ValueError as e:  # a body that is not a form
            raise web.HTTPBadRequest(text=f"unreadable form: {e}") from e
        url = ctx.secrets.public_base_url.rstrip("/") + request.path_qs
        expected = twilio_signature(ctx.secrets.twilio_auth_token, url, form.items())
        if not same(request.headers.get("X-Twilio-Signature", ""), expected):
            raise Rejected("twilio", "bad X-Twilio-Signature")
        return form

    async def status(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        form = await verified_form(request)
        sid, state = form.get("MessageSid", ""), form.get("MessageStatus", "")
        error = form.get("ErrorCode")
        status_text = f"{state}: error {error}" if error else state
        if await _taken(take_receipt(ctx, "twilio", [sid], status_text, f"{sid}:{state}")):
            raise _retry_later()
        return web.Response(status=204)

    async def inbound(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        form = await verified_form(request)
        sid = form.get("MessageSid", "")
        await take_reply(ctx, "twilio", "sms", form.get("From", ""), form.get("Body", ""), sid)
        return web.Response(text="<Response/>", content_type="application/xml")

    return [
        web.post("/v1/callbacks/twilio/status", status),
        web.post("/v1/callbacks/twilio/inbound", inbound),
    ]


async def take_wechat_push(ctx: CallbackContext, field: dict[str, str]) -> None:
    """A WeChat push: a template delivery event, an unfollow, or a text message."""
    openid, kind, event = field.get("FromUserName", ""), field.get("MsgType"), field.get("Event")
    if kind == "event" and event == "TEMPLATESENDJOBFINISH":
        msgid = field.get("MsgID", "")
        if await _taken(take_receipt(ctx, "wechat", [msgid], field.get("Status", ""), msgid)):
            raise _retry_later()
    elif kind == "event" and event == "unsubscribe":
        dedupe = f"{openid}:{field.get('CreateTime')}:unsubscribe"
        await take_reply(ctx, "wechat", "wechat", openid, "退订", dedupe)
    elif kind == "text":
        dedupe = field.get("MsgId") or f"{openid}:{field.get('CreateTime')}"
        await take_reply(ctx, "wechat", "wechat", openid, field.get("Content", ""), dedupe)


def wechat_routes() -> list[web.RouteDef]:
    def check(request: web.Request) -> None:
        ctx = request.app[CALLBACKS]
        q = request.query
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        expected = wechat_signature(ctx.secrets.wechat_token, timestamp, nonce)
        if not same(q.get("signature", ""), expected):
            raise Rejected("wechat", "bad signature")
        now = time.time()
        if not timestamp.isdigit() or abs(now - int(timestamp)) > FRESHNESS_S:
            raise Rejected("wechat", "stale timestamp")
        if not ctx.nonces.first_time(f"{timestamp}:{nonce}", now):
            raise Rejected("wechat", "replayed nonce")

    async def verify_url(request: web.Request) -> web.Response:
        check(request)
        return web.Response(text=request.query.get("echostr", ""))

    async def push(request: web.Request) -> web.Response:
        ctx = request.app[CALLBACKS]
        check(request)
        try:
            root: Element = fromstring(await request.read())
        except ParseError as e:
            raise _bad_request("wechat", "body is not XML") from e
        await take_wechat_push(ctx, {child.tag: (child.text or "") for child in root})
        return web.Response(text="success")

    return [web.get("/v1/callbacks/wechat", verify_url), web.post("/v1/callbacks/wechat", push)]


def callback_routes() -> list[web.RouteDef]:
    """Every provider callback route; each finds its context under :data:`CALLBACKS`."""
    return [*aliyun_routes(), *tencent_routes(), *twilio_routes(), *wechat_routes()]
