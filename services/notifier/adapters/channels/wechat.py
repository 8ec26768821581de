"""WeChat Official Account, the whole plug: settings, template messages with one access-token
cache per process, and the signed server-URL verification and pushes.

Tokens come from ``cgi-bin/stable_token``, which hands every caller the same token while it is
valid, so pods sharing an account do not invalidate each other's tokens (the problem that
``cgi-bin/token`` has). The cache refreshes ahead of expiry, refreshes once on 40001/42001 and
retries the send; 45009 (daily quota spent) and 43117 (too frequent for this user) defer the
send; 43101 (the user refused) is final. Pushes are signed (SHA-1 of the sorted token,
timestamp and nonce), fresh and taken once: a delivery event, an unfollow or a text.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element
from zoneinfo import ZoneInfo

import aiohttp
from defusedxml.ElementTree import ParseError, fromstring
from pydantic import BaseModel, ConfigDict, SecretStr

from services.notifier.adapters.channels.callbacks import NonceCache
from services.notifier.adapters.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.adapters.channels.http import provider_call
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import Resilient
from services.notifier.adapters.channels.signing import wechat_signature
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
from services.notifier.domain.model import DeliveryUncertain, SendLater
from services.notifier.domain.templates import Rendered

CHINA = ZoneInfo("Asia/Shanghai")
TOKEN_INVALID = {40001, 42001, 40014}
#: Force-refreshes are limited to 20 a day and 30 s apart (WeChat stable_token documentation).
FORCE_REFRESH_SPACING_S = 30.0


class WeChatSettings(BaseModel):
    """``DUNWELL_NOTIFIER_WECHAT__*`` (an empty app id: no WeChat channel)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str = "https://api.weixin.qq.com"
    app_id: str = ""
    app_secret: SecretStr = SecretStr("")
    #: The Token configured with the server URL: it signs every push.
    callback_token: SecretStr = SecretStr("")
    rate_per_s: float = 100.0


class TokenCache:
    """The access token, refreshed before it expires; one refresh at a time."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        endpoint: str,
        app_id: str,
        app_secret: str,
        margin_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session, self._url = session, f"{endpoint.rstrip('/')}/cgi-bin/stable_token"
        self._app_id, self._secret, self._margin, self._clock = app_id, app_secret, margin_s, clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._last_forced = -FORCE_REFRESH_SPACING_S
        self._lock = asyncio.Lock()
        self.refreshes = 0

    async def token(self) -> str:
        if self._token and self._clock() < self._expires_at - self._margin:
            return self._token
        async with self._lock:
            if self._token and self._clock() < self._expires_at - self._margin:
                return self._token
            return await self._refresh(force=False)

    async def replace(self, stale: str) -> str:
        """The server refused ``stale``: get a token that is not ``stale``."""
        async with self._lock:
            if self._token and self._token != stale:
                return self._token  # another send already replaced it
            fresh = await self._refresh(force=False)
            if fresh == stale and self._clock() - self._last_forced >= FORCE_REFRESH_SPACING_S:
                self._last_forced = self._clock()
                fresh = await self._refresh(force=True)
            return fresh

    async def _refresh(self, *, force: bool) -> str:
        body = {
            "grant_type": "client_credential",
            "appid": self._app_id,
            "secret": self._secret,
            "force_refresh": force,
        }
        async with provider_call("wechat"), self._session.post(self._url, json=body) as r:
            data: dict[str, Any] = json.loads(await r.text())
        if "access_token" not in data:
            code = data.get("errcode")
            if code in (-1, 45009):
                raise ProviderUnavailable(f"wechat: token refresh failed ({code})")
            raise ProviderMisconfigured(f"wechat: token refresh refused ({code})")
        self.refreshes += 1
        self._token = str(data["access_token"])
        self._expires_at = self._clock() + float(data.get("expires_in", 7200))
        return self._token


def _next_china_midnight(now: datetime) -> datetime:
    local = now.astimezone(CHINA)
    tomorrow = (local + timedelta(days=1)).date()
    return datetime.combine(tomorrow, datetime.min.time(), tzinfo=CHINA).astimezone(UTC)


class WeChatTemplates:
    provider = "wechat"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        tokens: TokenCache,
        *,
        endpoint: str,
        link_url: str | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._session, self._tokens = session, tokens
        self._url = f"{endpoint.rstrip('/')}/cgi-bin/message/template/send"
        self._link, self._clock = link_url, clock

    def _payload(self, openid: str, message: Rendered) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": message.provider_code(self.provider),
            "data": {
                field: {"value": message.params[value]}
                for field, value in message.wechat_fields.items()
            },
        }
        if self._link:
            payload["url"] = self._link
        return payload

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        payload = self._payload(address, message)
        token = await self._tokens.token()
        for _ in range(2):
            data = await self._post(token, payload)
            code = int(data.get("errcode", 0))
            if code == 0:
                return str(data["msgid"])
            if code in TOKEN_INVALID:
                token = await self._tokens.replace(token)
                continue
            self._raise_for(code)
        raise ProviderUnavailable("wechat: token still refused after a refresh")

    async def _post(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with (
            provider_call(self.provider),
            self._session.post(self._url, params={"access_token": token}, json=payload) as r,
        ):
            if r.status >= 500:
                raise ProviderUnavailable(f"wechat: HTTP {r.status}")
            data: dict[str, Any] = json.loads(await r.text())
        return data

    def _raise_for(self, code: int) -> None:
        now = self._clock()
        if code == 45009:
            raise SendLater("wechat: daily quota reached (45009)", until=_next_china_midnight(now))
        if code == 43117:
            raise SendLater(
                "wechat: too frequent for this user (43117)", until=now + timedelta(hours=1)
            )
        if code in (43101, 43004, 40003):
            raise RecipientRefused(f"wechat: {code}")
        if code == -1:
            raise ProviderUnavailable("wechat: system busy (-1)")
        raise ProviderMisconfigured(f"wechat: {code}")

    async def reconcile(self, address: str, *, key: str) -> str | None:
        """WeChat offers no lookup by our key: the send stays uncertain."""
        raise DeliveryUncertain("wechat: no way to ask whether the message arrived")


def parse_receipts(field: dict[str, str]) -> list[Receipt]:
    """A template delivery event (TEMPLATESENDJOBFINISH), correlated on the send's msgid."""
    if field.get("MsgType") != "event" or field.get("Event") != "TEMPLATESENDJOBFINISH":
        return []
    msgid = field.get("MsgID", "")
    return [Receipt(ids=(msgid,), status=field.get("Status", ""), dedupe=msgid)]


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


def push_fields(body: bytes) -> dict[str, str]:
    try:
        root: Element = fromstring(body)
    except ParseError as e:
        raise CallbackRefused(400, "body is not XML") from e
    return {child.tag: (child.text or "") for child in root}


class WeChatCallbacks:
    """``GET /v1/callbacks/wechat`` (server URL verification) and ``POST`` (pushes)."""

    routes = (("GET", ""), ("POST", ""))

    def __init__(self, token: str, clock: Callable[[], float] = time.time) -> None:
        self._token, self._clock = token, clock
        self._nonces = NonceCache()

    def authenticate(self, request: CallbackRequest) -> None:
        """Signed with our token, fresh, and the first time this nonce is seen."""
        q = request.query
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        if not same(q.get("signature", ""), wechat_signature(self._token, timestamp, nonce)):
            raise CallbackRefused(403, "bad signature")
        now = self._clock()
        if not timestamp.isdigit() or abs(now - int(timestamp)) > FRESHNESS_S:
            raise CallbackRefused(403, "stale timestamp")
        if not self._nonces.first_time(f"{timestamp}:{nonce}", now):
            raise CallbackRefused(403, "replayed nonce")

    def read(self, request: CallbackRequest) -> Inbound:
        self.authenticate(request)
        if request.method == "GET":
            return Inbound([], Answer(text=request.query.get("echostr", "")))
        field = push_fields(request.body)
        items: list[Receipt | Reply] = [*parse_receipts(field), *parse_replies(field)]
        return Inbound(items, Answer(text="success"))


def client(s: WeChatSettings, common: Common, session: aiohttp.ClientSession) -> Resilient:
    tokens = TokenCache(
        session,
        endpoint=s.endpoint,
        app_id=s.app_id,
        app_secret=s.app_secret.get_secret_value(),
    )
    templates = WeChatTemplates(
        session, tokens, endpoint=s.endpoint, link_url=common.verification_url
    )
    return Resilient(templates, rate_per_s=s.rate_per_s, policy=common.policy)


def callbacks(s: WeChatSettings, common: Common) -> WeChatCallbacks:
    return WeChatCallbacks(s.callback_token.get_secret_value())
