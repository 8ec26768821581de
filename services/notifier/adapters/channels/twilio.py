"""Twilio Programmable Messaging, the whole plug: settings, Messages.json with HTTP Basic auth
(from a number or through a Messaging Service), the Message list to reconcile an uncertain send,
and the status and inbound callbacks, signed with ``X-Twilio-Signature``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Self
from urllib.parse import parse_qsl

import aiohttp
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

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
from services.notifier.domain.sends import codes_of_key
from services.notifier.domain.templates import Rendered

#: Twilio error codes for recipients that cannot or will not receive (Twilio error dictionary).
_RECIPIENT = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006}

#: Where Twilio posts a message's status changes (the StatusCallback of each send).
STATUS_PATH = "/v1/callbacks/twilio/status"
#: A Messaging Service's SID (Twilio error 21705 refuses any other shape).
SERVICE_SID: Final = re.compile(r"^MG[0-9a-f]{32}$")
#: Reconciliation reads the Message list a page at a time (Twilio's PageSize is at most
#: 1000), at most this many pages, from the day before the send's day (UTC) on.
LIST_PAGE_SIZE: Final = 100
LIST_PAGES: Final = 5
LIST_LOOKBACK: Final = timedelta(days=1)


class TwilioSettings(BaseModel):
    """``DUNWELL_NOTIFIER_TWILIO__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str = "https://api.twilio.com"
    account_sid: str = ""
    auth_token: SecretStr = SecretStr("")
    #: Who sends: a number (Twilio's ``From``) or a Messaging Service (``MessagingServiceSid``,
    #: ``MG…``, whose sender pool Twilio picks from), exactly one of the two.
    from_number: str = ""
    messaging_service_sid: str = ""
    rate_per_s: float = 1.0  # a US long code sends one segment a second

    @model_validator(mode="after")
    def _one_sender(self) -> Self:
        if self.from_number and self.messaging_service_sid:
            raise ValueError("twilio: set from_number or messaging_service_sid, not both")
        if self.messaging_service_sid and not SERVICE_SID.match(self.messaging_service_sid):
            raise ValueError("twilio: messaging_service_sid is MG followed by 32 hex digits")
        return self

    def sender(self) -> dict[str, str]:
        """The form field naming the sender; raises ValueError when neither is set."""
        if self.messaging_service_sid:
            return {"MessagingServiceSid": self.messaging_service_sid}
        if self.from_number:
            return {"From": self.from_number}
        raise ValueError("twilio: from_number or messaging_service_sid is required")


class TwilioSms:
    """One Messages.json POST per attempt; the Message list to find an uncertain one again."""

    provider = "twilio"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        endpoint: str,
        account_sid: str,
        auth_token: str,
        sender: dict[str, str],
        status_callback: str | None,
        verification_secret: bytes = b"",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = LIST_PAGE_SIZE,
    ) -> None:
        if len(sender) != 1 or not set(sender) <= {"From", "MessagingServiceSid"}:
            raise ValueError("twilio: the sender is one From or one MessagingServiceSid")
        self._session, self._base = session, endpoint.rstrip("/")
        self._url = f"{self._base}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = {"Authorization": aiohttp.encode_basic_auth(account_sid, auth_token)}
        self._sender, self._callback = sender, status_callback
        self._secret, self._clock, self._page_size = verification_secret, clock, page_size

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        form = {"To": address, **self._sender, "Body": message.body}
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
        """Find an uncertain send in the Message list, by recipient and date sent.

        Twilio keeps no reference of ours on a Message: its list returns neither our
        StatusCallback URL nor any field we set but ``Body`` (Message resource,
        https://www.twilio.com/docs/messaging/api/message-resource). Our body carries the
        send's verification code, an HMAC of our ledger key (one per request and channel), so
        a listed message with that code (or the code versions before clean codes gave the
        send) is ours. Found: its SID. Not found proves nothing (a
        message still queued has no DateSent yet), so the send stays uncertain and is asked
        about again later; never resent blindly.
        """
        if not self._secret:
            raise DeliveryUncertain("twilio: no verification key to recognise our messages by")
        codes = codes_of_key(self._secret, key)
        since = (self._clock() - LIST_LOOKBACK).strftime("%Y-%m-%d")
        url: str | None = self._url
        params: dict[str, str] | None = {
            "To": address,
            "DateSent>": since,
            "PageSize": str(self._page_size),
        }
        for _ in range(LIST_PAGES):
            if url is None:
                break
            page = await self._page(url, params)
            for item in page.get("messages") or []:
                body = str(item.get("body") or "")
                if any(code in body for code in codes) and item.get("sid"):
                    return str(item["sid"])
            next_uri = page.get("next_page_uri")
            url, params = (self._base + str(next_uri), None) if next_uri else (None, None)
        raise DeliveryUncertain("twilio: not in the sent messages (yet)")

    async def _page(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        """One page of the Message list (the next ones from ``next_page_uri``, as given)."""
        try:
            get = self._session.get(url, params=params, headers=self._auth)
            async with provider_call(self.provider), get as r:
                if r.status >= 400:
                    raise DeliveryUncertain(f"twilio: message list refused: HTTP {r.status}")
                page: dict[str, Any] = json.loads(await r.text())
        except ProviderUnavailable as e:
            raise DeliveryUncertain("twilio: cannot reconcile now") from e
        return page


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
        sender=s.sender(),
        status_callback=common.public_base_url.rstrip("/") + STATUS_PATH,
        verification_secret=common.verification_secret,
    )
    return Resilient(sms, rate_per_s=s.rate_per_s, policy=common.policy)


def callbacks(s: TwilioSettings, common: Common) -> TwilioCallbacks:
    return TwilioCallbacks(s.auth_token.get_secret_value(), common.public_base_url)
