"""Aliyun SMS (Dysmsapi 2017-05-25), the whole plug: settings, SendSms, QuerySendDetails to
reconcile by OutId, and the SmsReport / SmsUp pushes (unsigned: the URL carries a secret)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from pydantic import BaseModel, ConfigDict, SecretStr

from services.notifier.adapters.channels.callbacks import SecretPathCallbacks, json_items
from services.notifier.adapters.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.adapters.channels.http import provider_call
from services.notifier.adapters.channels.plug import Common
from services.notifier.adapters.channels.resilience import Resilient
from services.notifier.adapters.channels.signing import aliyun_signature
from services.notifier.domain.inbound import Answer, Receipt, Reply
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.sends import contact_point_id
from services.notifier.domain.templates import Rendered

#: Codes meaning "throttled or busy, try later" (Aliyun error centre, Dysmsapi).
_TRANSIENT = {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isv.OUT_OF_SERVICE", "Throttling"}
#: Codes meaning "our account, signature or template is not accepted".
_OURS = {
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isv.AMOUNT_NOT_ENOUGH",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
    "SignatureNonceUsed",
}


CHINA = ZoneInfo("Asia/Shanghai")
#: What Aliyun expects back from a push it may stop retrying.
TAKEN = Answer(text=json.dumps({"code": 0, "msg": "接收成功"}), content_type="application/json")


class AliyunSettings(BaseModel):
    """``DUNWELL_NOTIFIER_ALIYUN__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str = "https://dysmsapi.aliyuncs.com"
    access_key_id: str = ""
    access_key_secret: SecretStr = SecretStr("")
    rate_per_s: float = 50.0


def out_id(key: str) -> str:
    """The OutId we give Aliyun for a send: stable per (request, channel), short, no PII."""
    return contact_point_id("sms", key)


def local_number(address: str) -> str:
    """Aliyun takes mainland numbers without +86 and others with their country code."""
    return address[3:] if address.startswith("+86") else address.lstrip("+")


class AliyunSms:
    """One SendSms call per attempt, signed with HMAC-SHA1 (signature version 1.0)."""

    provider = "aliyun"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        endpoint: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        region: str = "cn-hangzhou",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._session, self._endpoint = session, endpoint.rstrip("/") + "/"
        self._key_id, self._secret = access_key_id, access_key_secret
        self._sign_name, self._region, self._clock = sign_name, region, clock

    def _signed(self, action: str, params: dict[str, str]) -> dict[str, str]:
        common = {
            "AccessKeyId": self._key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self._region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": str(uuid.uuid4()),
            "SignatureVersion": "1.0",
            "Timestamp": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query = common | params
        return query | {"Signature": aliyun_signature(query, self._secret)}

    async def _call(self, action: str, params: dict[str, str]) -> dict[str, Any]:
        query = self._signed(action, params)
        async with (
            provider_call(self.provider),
            self._session.get(self._endpoint, params=query) as r,
        ):
            if r.status >= 500:
                raise ProviderUnavailable(f"aliyun: HTTP {r.status}")
            body: dict[str, Any] = json.loads(await r.text())
        return body

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        params = {
            "PhoneNumbers": local_number(address),
            "SignName": self._sign_name,
            "TemplateCode": message.provider_code(self.provider),
            "TemplateParam": json.dumps(
                {name: message.params[name] for name in message.sms_params}, ensure_ascii=False
            ),
            "OutId": out_id(key),
        }
        body = await self._call("SendSms", params)
        code = str(body.get("Code", ""))
        if code == "OK" and body.get("BizId"):
            return str(body["BizId"])
        if code in _TRANSIENT:
            raise ProviderUnavailable(f"aliyun: {code}", retry_after_s=1.0)
        if code in _OURS:
            raise ProviderMisconfigured(f"aliyun: {code}")
        raise RecipientRefused(f"aliyun: {code or 'no code'}")

    async def reconcile(self, address: str, *, key: str) -> str | None:
        """Ask QuerySendDetails for today's and yesterday's sends to the number (China's
        dates: a send just before midnight is asked about after it); match our OutId."""
        today = self._clock().astimezone(CHINA)
        for day in (today, today - timedelta(days=1)):
            found = await self._query(address, day.strftime("%Y%m%d"), out_id(key))
            if found is not None:
                return found
        return None

    async def _query(self, address: str, send_date: str, wanted: str) -> str | None:
        params = {
            "PhoneNumber": local_number(address),
            "SendDate": send_date,
            "PageSize": "50",
            "CurrentPage": "1",
        }
        try:
            body = await self._call("QuerySendDetails", params)
        except ProviderUnavailable as e:
            raise DeliveryUncertain("aliyun: cannot reconcile now") from e
        if body.get("Code") != "OK":
            raise DeliveryUncertain(f"aliyun: reconcile refused: {body.get('Code')}")
        details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        for item in details:
            if item.get("OutId") == wanted:
                return str(item.get("BizId") or item.get("OutId"))
        return None


def parse_receipts(body: bytes) -> list[Receipt]:
    """An SmsReport batch: a JSON array of reports, each correlated on BizId or our OutId."""
    return [
        Receipt(
            ids=(str(item.get("biz_id") or ""), str(item.get("out_id") or "")),
            status=f"{'delivered' if item.get('success') else 'failed'}: {item.get('err_code')}",
            dedupe=f"{item.get('biz_id')}:{item.get('err_code')}:{item.get('report_time')}",
        )
        for item in json_items(body)
    ]


def parse_replies(body: bytes) -> list[Reply]:
    """An SmsUp batch: the borrowers' answers (mainland numbers, without +86)."""
    return [
        Reply(
            channel="sms",
            address="+86" + str(item.get("phone_number", "")).removeprefix("86"),
            text=str(item.get("content", "")),
            dedupe=f"{item.get('sequence_id')}:{item.get('phone_number')}",
        )
        for item in json_items(body)
    ]


def client(s: AliyunSettings, common: Common, session: aiohttp.ClientSession) -> Resilient:
    sms = AliyunSms(
        session,
        endpoint=s.endpoint,
        access_key_id=s.access_key_id,
        access_key_secret=s.access_key_secret.get_secret_value(),
        sign_name=common.sms_sign_name,
    )
    return Resilient(sms, rate_per_s=s.rate_per_s, policy=common.policy)


def callbacks(s: AliyunSettings, common: Common) -> SecretPathCallbacks:
    """Receipts and replies at ``/v1/callbacks/aliyun/{secret}/report`` and ``.../reply``."""
    return SecretPathCallbacks(common.callback_secret, parse_receipts, parse_replies, TAKEN)
