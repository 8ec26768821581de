"""Tencent Cloud SMS (2021-01-11) as the sandbox speaks it: SendSms and
PullSmsSendStatusByPhoneNumber under TC3-HMAC-SHA256."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ACTIONS = ("SendSms", "PullSmsSendStatusByPhoneNumber")
_AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/sms/tc3_request, "
    r"SignedHeaders=content-type;host, Signature=(?P<sig>[0-9a-f]{64})$"
)


def tc3_expected(
    secret_key: str, date: str, timestamp: str, content_type: str, host: str, body: bytes
) -> str:
    """TC3-HMAC-SHA256, computed from the request exactly as it arrived on the wire."""
    canonical = (
        f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\n"
        f"content-type;host\n{hashlib.sha256(body).hexdigest()}"
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
        f"{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    key = ("TC3" + secret_key).encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _error(code: str) -> web.Response:
    return web.json_response(
        {"Response": {"Error": {"Code": code, "Message": code}, "RequestId": fresh_id()}}
    )


class TencentApi:
    name = "tencent"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.cred = state.credentials
        #: What each accepted send reported, as a status pull lists it.
        self.statuses: list[dict[str, Any]] = []

    def routes(self) -> list[web.RouteDef]:
        # Tencent's own path is POST / (where its SDKs sign and post); /tencent/ beside the
        # other stand-ins.
        return [web.post("/tencent/", self.handle), web.post("/", self.handle)]

    def check(self, request: web.Request, body: bytes) -> web.Response | None:
        found = _AUTHORIZATION.match(request.headers.get("Authorization", ""))
        if found is None:
            return _error("AuthFailure.InvalidAuthorization")
        if found["id"] != self.cred.tencent_secret_id:
            return _error("AuthFailure.SecretIdNotFound")
        stamp = request.headers.get("X-TC-Timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return _error("AuthFailure.SignatureExpire")
        if datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d") != found["date"]:
            return _error("AuthFailure.SignatureFailure")
        expected = tc3_expected(
            self.cred.tencent_secret_key,
            found["date"],
            stamp,
            request.headers.get("Content-Type", ""),
            request.headers.get("Host", ""),
            body,
        )
        if not hmac.compare_digest(expected, found["sig"]):
            return _error("AuthFailure.SignatureFailure")
        if request.headers.get("X-TC-Action") not in _ACTIONS:
            return _error("InvalidAction")
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        problem = self.check(request, body)
        if problem is not None:
            return problem
        fault = self.state.fault("tencent")
        if fault == "5xx":
            return json_error(502, {"error": "bad gateway"})
        if fault in ("throttle", "429"):
            return _error("RequestLimitExceeded")
        try:
            payload = json.loads(body)
        except ValueError:
            return _error("InvalidParameter")
        if request.headers.get("X-TC-Action") == "PullSmsSendStatusByPhoneNumber":
            answer = self.pull(payload)
        else:
            answer = self.send(payload)
        if fault == "timeout":
            await hang()
        return answer

    def refusal(self, payload: dict[str, Any]) -> web.Response | None:
        if payload.get("SmsSdkAppId") != self.cred.tencent_app_id:
            return _error("InvalidParameterValue.SdkAppIdNotExist")
        if payload.get("SignName") != self.cred.sign_name:
            return _error("FailedOperation.SignatureIncorrectOrUnapproved")
        names = self.state.approved_params("tencent", str(payload.get("TemplateId", "")))
        if names is None:
            return _error("FailedOperation.TemplateIncorrectOrUnapproved")
        if len(payload.get("TemplateParamSet") or []) != len(names):
            return _error("InvalidParameterValue.TemplateParameterFormatError")
        numbers = payload.get("PhoneNumberSet") or []
        if len(numbers) != 1 or not _E164.match(str(numbers[0])):
            return _error("InvalidParameterValue.IncorrectPhoneNumber")
        return None

    def send(self, payload: dict[str, Any]) -> web.Response:
        refused = self.refusal(payload)
        if refused is not None:
            return refused
        code = str(payload["TemplateId"])
        names = self.state.approved_params("tencent", code) or []
        values = dict(zip(names, payload["TemplateParamSet"], strict=True))
        number = str(payload["PhoneNumberSet"][0])
        text = self.state.approved_text("tencent", code, values) or ""
        serial = f"2028:{fresh_id()}"
        self.state.keep("tencent", number, text, serial)
        self.statuses.append(
            {
                "UserReceiveTime": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "CountryCode": "86",
                "SubscriberNumber": number.removeprefix("+86"),
                "PhoneNumber": number,
                "SerialNo": serial,
                "ReportStatus": "SUCCESS",
                "Description": "DELIVRD",
                "SessionContext": payload.get("SessionContext", ""),
                "sent_at": time.time(),
            }
        )
        self.report(number, serial)
        status = {
            "SerialNo": serial,
            "PhoneNumber": number,
            "Fee": 1,
            "SessionContext": payload.get("SessionContext", ""),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        return web.json_response({"Response": {"SendStatusSet": [status], "RequestId": fresh_id()}})

    def pull(self, payload: dict[str, Any]) -> web.Response:
        """A number's reported statuses between BeginTime and EndTime, Offset/Limit paged."""
        try:
            begin, end = int(payload["BeginTime"]), int(payload["EndTime"])
            offset, limit = int(payload["Offset"]), int(payload["Limit"])
            number = str(payload["PhoneNumber"])
        except (KeyError, TypeError, ValueError):
            return _error("MissingParameter")
        if payload.get("SmsSdkAppId") != self.cred.tencent_app_id:
            return _error("InvalidParameterValue.SdkAppIdNotExist")
        if not 0 < limit <= 100:
            return _error("InvalidParameterValue.InvalidLimit")
        reported_by = time.time() - self.state.status_delay_s.get("tencent", 0.0)
        found = [
            {k: v for k, v in status.items() if k != "sent_at"}
            for status in self.statuses
            if status["PhoneNumber"] == number
            and begin <= status["sent_at"] <= end + 1
            and status["sent_at"] <= reported_by
        ]
        page = found[offset : offset + limit]
        return web.json_response(
            {"Response": {"PullSmsSendStatusSet": page, "RequestId": fresh_id()}}
        )

    def report(self, number: str, serial: str) -> None:
        """The status callback: this report in the next list (a JSON array)."""
        if not self.state.callback_base:
            return
        item = {
            "user_receive_time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "nationcode": "86",
            "mobile": number.removeprefix("+86"),
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": serial,
        }
        secret = self.cred.callback_secret
        self.state.report(f"{self.state.callback_base}/v1/callbacks/tencent/{secret}/report", item)

    async def reply(self, sender: str, text: str) -> None:
        """A reply push: a borrower's answer."""
        item = {
            "extend": "",
            "mobile": sender.removeprefix("+86"),
            "nationcode": "86",
            "sign": self.cred.sign_name,
            "text": text,
            "time": int(time.time()),
        }
        url = f"{self.state.callback_base}/v1/callbacks/tencent/{self.cred.callback_secret}/reply"
        await self.state.post(url, json=item)
