"""Aliyun Dysmsapi (2017-05-25) as the sandbox speaks it: SendSms and QuerySendDetails."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote_plus

from aiohttp import web

from sandbox.providers.core import SandboxState, fresh_id, hang, json_error

_CN_MOBILE = re.compile(r"^1\d{10}$")


def _encode(value: str) -> str:
    """The "special URL encoding" of Aliyun's signature v1: form-encode, then + → %20,
    * → %2A, %7E → ~ (the sandbox's own code: it never uses the notifier's signing)."""
    return quote_plus(value).replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """Base64(HMAC-SHA1(secret + "&", method & %2F & the encoded, sorted query))."""
    query = "&".join(
        f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    to_sign = f"{method}&%2F&{_encode(query)}".encode()
    digest = hmac.new(f"{secret}&".encode(), to_sign, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _error(code: str, status: int = 400) -> web.Response:
    return json_error(status, {"Code": code, "Message": code, "RequestId": fresh_id()})


class AliyunApi:
    name = "aliyun"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.cred = state.credentials
        self.by_out_id: dict[str, dict[str, str]] = {}

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/aliyun/", self.handle), web.post("/aliyun/", self.handle)]

    def check(self, params: dict[str, str], method: str = "GET") -> web.Response | None:
        """What Aliyun checks before anything else: key, time, nonce, signature."""
        if params.get("AccessKeyId") != self.cred.aliyun_key_id:
            return _error("InvalidAccessKeyId.NotFound", 404)
        try:
            sent = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return _error("InvalidTimeStamp.Format")
        if abs(datetime.now(UTC).replace(tzinfo=None) - sent).total_seconds() > 900:
            return _error("InvalidTimeStamp.Expired")
        nonce = params.get("SignatureNonce", "")
        if not nonce or nonce in self.state.nonces:
            return _error("SignatureNonceUsed")
        self.state.nonces.add(nonce)
        expected = signature(params, self.cred.aliyun_secret, method)
        if not hmac.compare_digest(params.get("Signature", ""), expected):
            return _error("SignatureDoesNotMatch")
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        params = dict(request.query)
        if request.method == "POST":
            params |= {k: str(v) for k, v in (await request.post()).items()}
        problem = self.check(params, request.method)
        if problem is not None:
            return problem
        action = params.get("Action")
        if action == "QuerySendDetails":
            return self.query(params)
        if action != "SendSms":
            return _error("InvalidAction.NotFound", 404)
        fault = self.state.fault("aliyun")
        if fault == "5xx":
            return _error("ServiceUnavailable", 503)
        if fault in ("throttle", "429"):
            return _error("isv.BUSINESS_LIMIT_CONTROL", 200)
        answer = self.send(params)
        if fault == "timeout":
            await hang()
        return answer

    def send(self, params: dict[str, str]) -> web.Response:
        if params.get("SignName") != self.cred.sign_name:
            return _error("isv.SMS_SIGNATURE_ILLEGAL", 200)
        code = params.get("TemplateCode", "")
        names = self.state.approved_params("aliyun", code)
        if names is None:
            return _error("isv.SMS_TEMPLATE_ILLEGAL", 200)
        number = params.get("PhoneNumbers", "")
        if not _CN_MOBILE.match(number):
            return _error("isv.MOBILE_NUMBER_ILLEGAL", 200)
        try:
            values = json.loads(params.get("TemplateParam", "{}"))
        except ValueError:
            return _error("isv.INVALID_JSON_PARAM", 200)
        if set(names) - set(values):
            return _error("isv.TEMPLATE_MISSING_PARAMETERS", 200)
        text = self.state.approved_text("aliyun", code, values) or ""
        biz_id = f"{int(time.time())}^{fresh_id()}"
        self.state.keep("aliyun", "+86" + number, text, biz_id)
        out_id = params.get("OutId", "")
        self.by_out_id[out_id] = {"number": number, "biz_id": biz_id, "text": text, "code": code}
        self.report(number, biz_id, out_id)
        return web.json_response(
            {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": fresh_id()}
        )

    def query(self, params: dict[str, str]) -> web.Response:
        number = params.get("PhoneNumber", "")
        found = [
            {
                "PhoneNum": item["number"],
                "SendStatus": 3,
                "ErrCode": "DELIVERED",
                "TemplateCode": item["code"],
                "Content": item["text"],
                "OutId": out_id,
            }
            for out_id, item in self.by_out_id.items()
            if item["number"] == number
        ]
        return web.json_response(
            {
                "Code": "OK",
                "Message": "OK",
                "TotalCount": str(len(found)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": found},
                "RequestId": fresh_id(),
            }
        )

    def report(self, number: str, biz_id: str, out_id: str) -> None:
        """The SmsReport HTTP batch push: this report in the next list (a JSON array)."""
        if not self.state.callback_base:
            return
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        item = {
            "phone_number": number,
            "send_time": now,
            "report_time": now,
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": biz_id,
            "out_id": out_id,
        }
        secret = self.cred.callback_secret
        self.state.report(f"{self.state.callback_base}/v1/callbacks/aliyun/{secret}/report", item)

    async def reply(self, sender: str, text: str) -> None:
        """An SmsUp push: a borrower's answer."""
        item = {
            "phone_number": sender.removeprefix("+86"),
            "send_time": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "content": text,
            "sign_name": self.cred.sign_name,
            "dest_code": "1234",
            "sequence_id": int(time.time() * 1000),
        }
        url = f"{self.state.callback_base}/v1/callbacks/aliyun/{self.cred.callback_secret}/reply"
        await self.state.post(url, json=[item])
