"""Twilio Programmable Messaging, the whole plug: settings, Messages.json with HTTP Basic auth,
and the status and inbound callbacks, signed with ``X-Twilio-Signature``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from pydantic import BaseModel, ConfigDict, SecretStr

from services.notifier.adapters.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.adapters.channels.http import provider_call, retry_after
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import Resilient
from services.notifier.adapters.channels.signing import twilio_signature
from services.notifier.domain.inbound import (
    Answer,
    CallbackRefused,
    CallbackRequest,
    Inbound,
    Receipt,
    Reply,
    same,
)
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.templates import Rendered

#: Twilio error codes for recipients that cannot or will not receive (Twilio error dictionary).
_RECIPIENT = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006}

#: Where Twilio posts a message's status changes (the StatusCallback of each send).
STATUS_PATH = "/v1/callbacks/twilio/status"


class TwilioSettings(BaseModel):
    """``DUNWELL_NOTIFIER_TWILIO__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str = "https://api.twilio.com"
    account_sid: str = ""
    auth_token: SecretStr = SecretStr("")
    #: The sending number (Twilio's ``From``).
    from_number: str = ""
    rate_per_s: float = 1.0  # a US long code sends one segment a second


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


def parse_receipts(form: dict[str, str]) -> list[Receipt]:
    """A status callback: one message's new status."""
    sid, state = form.get("MessageSid", ""), form.get("MessageStatus", "")
    error = form.get("ErrorCode")
    status = f"{state}: error {error}" if error else state
    return [Receipt(ids=(sid,), status=status, dedupe=f"{sid}:{state}")]


def parse_replies(form: dict[str, str]) -> list[Reply]:
    """An inbound message to our number."""
    text, sid = form.get("Body", ""), form.get("MessageSid", "")
    return [Reply(channel="sms", address=form.get("From", ""), text=text, dedupe=sid)]


def form_fields(request: CallbackRequest) -> dict[str, str]:
    """The posted form (the last value of a repeated name)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise CallbackRefused(415, "Twilio posts application/x-www-form-urlencoded", counted=False)
    try:
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    except ValueError as e:  # a body that is not a form
        raise CallbackRefused(400, f"unreadable form: {e}", counted=False) from e


class TwilioCallbacks:
    """``POST /v1/callbacks/twilio/status`` and ``.../inbound``, each signed by Twilio."""

    routes = (("POST", "/status"), ("POST", "/inbound"))

    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self._token, self._base = auth_token, public_base_url.rstrip("/")

    def authenticate(self, request: CallbackRequest) -> dict[str, str]:
        """The form, once its signature over our public URL and every field holds."""
        form = form_fields(request)
        expected = twilio_signature(self._token, self._base + request.path_qs, form.items())
        if not same(request.headers.get("X-Twilio-Signature", ""), expected):
            raise CallbackRefused(403, "bad X-Twilio-Signature")
        return form

    def read(self, request: CallbackRequest) -> Inbound:
        form = self.authenticate(request)
        if request.route == "/status":
            return Inbound(parse_receipts(form), Answer(status=204))
        empty = Answer(text="<Response/>", content_type="application/xml")
        return Inbound(parse_replies(form), empty)


def client(s: TwilioSettings, common: Common, session: aiohttp.ClientSession) -> Resilient:
    sms = TwilioSms(
        session,
        endpoint=s.endpoint,
        account_sid=s.account_sid,
        auth_token=s.auth_token.get_secret_value(),
        sender=s.from_number,
        status_callback=common.public_base_url.rstrip("/") + STATUS_PATH,
    )
    return Resilient(sms, rate_per_s=s.rate_per_s, policy=common.policy)


def callbacks(s: TwilioSettings, common: Common) -> TwilioCallbacks:
    return TwilioCallbacks(s.auth_token.get_secret_value(), common.public_base_url)
