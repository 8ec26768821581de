"""WeChat Official Account, the whole plug: settings, template and subscribe messages with one
access-token cache per process, and the server URL's pushes (:mod:`.wechat_push`, in
plaintext, compatible or safe mode).

Tokens come from ``cgi-bin/stable_token``, which hands every caller the same token while it is
valid, so pods sharing an account do not invalidate each other's tokens (the problem that
``cgi-bin/token`` has). The cache refreshes ahead of expiry, refreshes once on 40001/42001 and
retries the send; 45009 (daily quota spent) and 43117 (too frequent for this user) defer the
send; 43101 (the user refused) is final.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import aiohttp
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from services.notifier.adapters.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.adapters.channels.http import provider_call
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import Resilient
from services.notifier.adapters.channels.wechat_crypto import WeChatCrypto, aes_key
from services.notifier.adapters.channels.wechat_push import Encryption, WeChatCallbacks
from services.notifier.domain.model import DeliveryUncertain, SendLater
from services.notifier.domain.templates import Rendered
from services.notifier.domain.wechat_copy import CODE_KEY, WeChatMessage

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
    #: The server URL's message encryption as set in the account's console: ``plain``,
    #: ``compatible`` (both) or ``safe`` (encrypted only, what banks' accounts use).
    encryption: Encryption = "plain"
    #: The console's EncodingAESKey (43 characters), for compatible and safe mode.
    encoding_aes_key: SecretStr = SecretStr("")
    #: A passive reply to a follower's text ("received; we will answer"); empty: none.
    reply_ack: str = ""
    #: How templates go unless one names its own: ``template`` or ``subscribe`` messages.
    message_type: WeChatMessage = "template"
    rate_per_s: float = 100.0

    @model_validator(mode="after")
    def _key_for_encryption(self) -> WeChatSettings:
        """An account in compatible or safe mode needs its EncodingAESKey, and a key given
        must be one (43 characters of base64)."""
        key = self.encoding_aes_key.get_secret_value()
        if key or (self.app_id and self.encryption != "plain"):
            aes_key(key)  # raises ValueError: not a 43-character EncodingAESKey
        return self

    def crypto(self) -> WeChatCrypto | None:
        key = self.encoding_aes_key.get_secret_value()
        return WeChatCrypto(key, self.app_id) if key else None


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


#: Where each message type is sent (template messages; subscribe messages).
SEND_PATHS: Final[Mapping[WeChatMessage, str]] = {
    "template": "/cgi-bin/message/template/send",
    "subscribe": "/cgi-bin/message/subscribe/send",
}


class WeChatTemplates:
    """Template and subscribe messages: the approved template's id and exactly the rendered
    message's fields. A subscribe message is answered without an id: the send is known by our
    own key until its send-finished push names it."""

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
        self._endpoint = endpoint.rstrip("/")
        self._link, self._clock = link_url, clock

    def _payload(self, openid: str, message: Rendered) -> dict[str, Any]:
        kind = message.wechat_message
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": message.provider_code(CODE_KEY[kind]),
            "data": {field: {"value": value} for field, value in message.wechat_fields.items()},
        }
        if self._link:
            payload["url" if kind == "template" else "page"] = self._link
        return payload

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        payload = self._payload(address, message)
        url = self._endpoint + SEND_PATHS[message.wechat_message]
        token = await self._tokens.token()
        for _ in range(2):
            data = await self._post(url, token, payload)
            code = int(data.get("errcode", 0))
            if code == 0:
                return str(data["msgid"]) if "msgid" in data else key
            if code in TOKEN_INVALID:
                token = await self._tokens.replace(token)
                continue
            self._raise_for(code)
        raise ProviderUnavailable("wechat: token still refused after a refresh")

    async def _post(self, url: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with (
            provider_call(self.provider),
            self._session.post(url, params={"access_token": token}, json=payload) as r,
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
    return WeChatCallbacks(
        s.callback_token.get_secret_value(),
        encryption=s.encryption,
        crypto=s.crypto(),
        reply_ack=s.reply_ack,
    )
