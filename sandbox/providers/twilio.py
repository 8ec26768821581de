"""Twilio Messages as the sandbox speaks it: Basic auth, error codes, signed status callbacks."""

from __future__ import annotations

import base64
import hmac
import re

from aiohttp import web

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error
from services.notifier.adapters.channels.signing import twilio_signature

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _error(status: int, code: int, message: str) -> web.Response:
    return json_error(status, {"code": code, "message": message, "status": status})


class TwilioApi:
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
            signature = twilio_signature(self.cred.twilio_token, url, form.items())
            await self.state.post(url, data=form, headers={"X-Twilio-Signature": signature})
