"""Twilio Messages as the sandbox speaks it: Basic auth, error codes, signed status callbacks,
a number or a Messaging Service as the sender, and the Message list (To, DateSent, paging)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from operator import eq, ge, le
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-f]{32}$")
_MAX_PAGE_SIZE = 1000


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

        #: Every message taken, oldest first, as the Message resource shows it.
        self.sent: list[dict[str, Any]] = []

    def routes(self) -> list[web.RouteDef]:
        path = "/twilio/2010-04-01/Accounts/{sid}/Messages.json"
        return [web.post(path, self.messages), web.get(path, self.listed)]

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
        refused = self.refusal(form)
        if refused is not None:
            return refused
        to, body = form["To"], form["Body"]
        sid = "SM" + fresh_id() + fresh_id()
        self.state.keep("twilio", to, body, sid)
        resource = self.resource(sid, form, request.match_info["sid"])
        self.sent.append(resource)
        if form.get("StatusCallback"):
            self.state.later(self.status_callback(form["StatusCallback"], sid, to))
        answer = web.json_response(resource | {"status": "queued"}, status=201)
        if fault == "timeout":
            await hang()
        return answer

    def refusal(self, form: dict[str, str]) -> web.Response | None:
        to, body, service = (
            form.get("To", ""),
            form.get("Body", ""),
            form.get("MessagingServiceSid"),
        )
        if not _E164.match(to):
            return _error(400, 21211, "The 'To' number is not a valid phone number.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        if service is not None:
            if not _SERVICE_SID.match(service):
                return _error(400, 21705, "The Messaging Service is invalid")
            if service != self.cred.twilio_messaging_service:
                return _error(400, 21701, "The Messaging Service does not exist")
        elif form.get("From") != self.cred.twilio_from:
            return _error(400, 21603, "A 'From' phone number is required.")
        return None

    def resource(self, sid: str, form: dict[str, str], account: str) -> dict[str, Any]:
        """The Message resource as Twilio's API returns it (dates in RFC 2822)."""
        now = format_datetime(datetime.now(UTC))
        service = form.get("MessagingServiceSid")
        return {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": now,
            "date_updated": now,
            "direction": "outbound-api",
            "from": self.cred.twilio_from,
            "messaging_service_sid": service,
            "num_segments": "1",
            "sid": sid,
            "status": "delivered",
            "to": form["To"],
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }

    async def listed(self, request: web.Request) -> web.StreamResponse:
        """The Message list, newest first: ``To``, ``From``, ``DateSent`` (``=``, ``<``, ``>``:
        a day, inclusive), ``PageSize`` and ``Page``; ``next_page_uri`` names the next page."""
        if not self.authenticated(request):
            return _error(401, 20003, "Authenticate")
        fault = self.state.fault("twilio")
        if fault in ("429", "throttle"):
            return _error(429, 20429, "Too Many Requests")
        if fault == "5xx":
            return _error(500, 20500, "Internal Server Error")
        query = request.query
        try:
            size = min(int(query.get("PageSize", "50")), _MAX_PAGE_SIZE)
            page = int(query.get("Page", "0"))
            found = [m for m in reversed(self.sent) if _matches(m, query)]
        except ValueError:
            return _error(400, 20001, "Invalid query")
        rows = found[page * size : (page + 1) * size]
        more = len(found) > (page + 1) * size
        base = request.path.removeprefix("/twilio")
        kept = [(k, v) for k, v in query.items() if k not in ("Page", "PageToken")]
        next_query = urlencode([*kept, ("Page", str(page + 1))])
        return web.json_response(
            {
                "messages": rows,
                "page": page,
                "page_size": size,
                "uri": request.path_qs.removeprefix("/twilio"),
                "first_page_uri": f"{base}?{urlencode(kept)}",
                "next_page_uri": f"{base}?{next_query}" if more else None,
                "previous_page_uri": None,
            }
        )

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


def _matches(message: dict[str, Any], query: Mapping[str, str]) -> bool:
    """Whether a message passes the list's filters (``DateSent`` compares the UTC day)."""
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    sent = _day(message["date_sent"])
    for name, keep in (("DateSent", eq), ("DateSent>", ge), ("DateSent<", le)):
        if name in query and not keep(sent, date.fromisoformat(query[name][:10])):
            return False
    return True


def _day(rfc2822: str) -> date:
    return parsedate_to_datetime(rfc2822).astimezone(UTC).date()
