"""Twilio Programmable Messaging: Messages.json with HTTP Basic auth and a status callback."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from services.notifier.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.channels.http import provider_call, retry_after
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.templates import Rendered

#: Twilio error codes for recipients that cannot or will not receive (Twilio error dictionary).
_RECIPIENT = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006}


class TwilioSms:
    provider = "twilio"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        endpoint: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        status_callback: str | None,
    ) -> None:
        self._session = session
        self._url = f"{endpoint.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = {"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        self._sender, self._callback = sender, status_callback

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        form = {"To": address, "From": self._sender, "Body": message.body}
        if self._callback:
            form["StatusCallback"] = self._callback
        post = self._session.post(self._url, data=form, headers=self._auth)
        async with provider_call(self.provider), post as r:
            text = await r.text()
            if r.status == 429:
                raise ProviderUnavailable("twilio: 429 (20429)", retry_after_s=retry_after(r))
            if r.status >= 500:
                raise ProviderUnavailable(f"twilio: HTTP {r.status}")
            body: dict[str, Any] = json.loads(text) if text else {}
        if r.status in (200, 201) and body.get("sid"):
            return str(body["sid"])
        code = int(body.get("code") or 0)
        if r.status in (401, 403):
            raise ProviderMisconfigured(f"twilio: HTTP {r.status} ({code})")
        if code in _RECIPIENT:
            raise RecipientRefused(f"twilio: {code}")
        raise ProviderMisconfigured(f"twilio: HTTP {r.status} ({code})")

    async def reconcile(self, address: str, *, key: str) -> str | None:
        """Twilio's Messages API has no idempotency key to look up: the send stays uncertain."""
        raise DeliveryUncertain("twilio: no way to ask whether the message arrived")
