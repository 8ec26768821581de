"""Twilio Messages as the sandbox speaks it: Basic auth, error codes, signed status callbacks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping

from aiohttp import web

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """``X-Twilio-Signature``: Base64(HMAC-SHA1(token, url + each name and value by name)),
    the sandbox's own code (it never uses the notifier's signing)."""
    data = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def _error(status: int, code: int, message: str) -> web.Response:
    return json_error(status, {"code": code, "message": message, "status": status})


class TwilioApi:
    name = "twilio"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.cred = state.credentials
        token = f"{self.cred.twilio_sid}:{self.cred.twilio_token}".encode()
        self.expected_auth = "Basic " + base64.b64encode(token).decode()

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/twilio/2010-04-01/Accounts/{sid}/Messages.json", self.messages)]

    def authenticated(self, request: web.Request) -> bool:
        return request.match_info["sid"] == self.cred.twilio_sid and hmac.compare_digest(
            request.headers.get("Authorization", ""), self.expected_auth
        )

    async def messages(self, request: web.Request) -> web.StreamResponse:
        if not self.authenticated(request):
            return _error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.post()).items()}
        fault = self.state.fault("twilio")
        if fault in ("429", "throttle"):
            response = _error(429, 20429, "Too Many Requests")
            response.headers["Retry-After"] = "1"
            return response
        if fault == "5xx":
            return _error(500, 20500, "Internal Server Error")
        to, body = form.get("To", ""), form.get("Body", "")
        if not _E164.match(to):
            return _error(400, 21211, "The 'To' number is not a valid phone number.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        sid = "SM" + fresh_id() + fresh_id()
        self.state.keep("twilio", to, body, sid)
        if form.get("StatusCallback"):
            self.state.later(self.status_callback(form["StatusCallback"], sid, to))
        answer = web.json_response(
            {"sid": sid, "status": "queued", "to": to, "from": self.cred.twilio_from, "body": body},
            status=201,
        )
        if fault == "timeout":
            await hang()
        return answer

    async def status_callback(self, url: str, sid: str, to: str) -> None:
        for status in ("sent", "delivered"):
            form = {
                "AccountSid": self.cred.twilio_sid,
                "ApiVersion": "2010-04-01",
                "From": self.cred.twilio_from,
                "MessageSid": sid,
                "MessageStatus": status,
                "To": to,
            }
            await self.signed_post(url, form)

    async def signed_post(self, url: str, form: dict[str, str]) -> None:
        signed = signature(self.cred.twilio_token, url, form)
        await self.state.post(url, data=form, headers={"X-Twilio-Signature": signed})

    async def reply(self, sender: str, text: str) -> None:
        """An inbound message to our number, posted to the number's webhook."""
        form = {
            "MessageSid": "SM" + fresh_id() + fresh_id(),
            "From": sender,
            "To": self.cred.twilio_from,
            "Body": text,
            "AccountSid": self.cred.twilio_sid,
        }
        await self.signed_post(f"{self.state.callback_base}/v1/callbacks/twilio/inbound", form)
