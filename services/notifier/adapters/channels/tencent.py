"""Tencent Cloud SMS (API 2021-01-11), the whole plug: settings, SendSms signed with
TC3-HMAC-SHA256, PullSmsSendStatusByPhoneNumber to reconcile by our SessionContext, and the
status and reply pushes (unsigned: the URL carries a secret)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

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
from services.notifier.adapters.channels.signing import tc3_authorization
from services.notifier.domain.inbound import Answer, Receipt, Reply
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.templates import Rendered
from shared.events import derived_event_id

CONTENT_TYPE = "application/json; charset=utf-8"
#: What Tencent expects back from a push it may stop retrying.
TAKEN = Answer(text=json.dumps({"result": 0, "errmsg": "OK"}), content_type="application/json")
_TRANSIENT_PREFIXES = ("InternalError", "RequestLimitExceeded", "LimitExceeded.AppDailyLimit")
_OURS_PREFIXES = (
    "AuthFailure",
    "UnauthorizedOperation",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "InvalidParameter",
    "InvalidParameterValue.TemplateParameterFormatError",
)
#: How far back a status pull looks for an uncertain send (Tencent keeps 7 days to pull).
PULL_WINDOW: Final = timedelta(days=2)
#: Statuses per pull page (the API's maximum is 100), and pages per reconciliation.
PULL_LIMIT: Final = 100
PULL_PAGES: Final = 5


class TencentSettings(BaseModel):
    """``DUNWELL_NOTIFIER_TENCENT__*``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str = "https://sms.tencentcloudapi.com"
    secret_id: str = ""
    secret_key: SecretStr = SecretStr("")
    sdk_app_id: str = ""
    rate_per_s: float = 50.0
    #: Tencent sends the same content to the same number at most once per 30 s (its default).
    per_number_interval_s: float = 30.0


class TencentSms:
    """One SendSms call per attempt; ``SessionContext`` carries our send key back in receipts."""

    provider = "tencent"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        endpoint: str,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        region: str = "ap-guangzhou",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._session, self._endpoint = session, endpoint.rstrip("/") + "/"
        self._host = urlsplit(self._endpoint).netloc
        self._secret_id, self._secret_key = secret_id, secret_key
        self._app_id, self._sign_name, self._region, self._clock = (
            sdk_app_id,
            sign_name,
            region,
            clock,
        )

    def _headers(self, action: str, payload: bytes) -> dict[str, str]:
        now = self._clock()
        timestamp = int(now.timestamp())
        return {
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": action,
            "X-TC-Version": "2021-01-11",
            "X-TC-Region": self._region,
            "X-TC-Timestamp": str(timestamp),
            "Authorization": tc3_authorization(
                secret_id=self._secret_id,
                secret_key=self._secret_key,
                service="sms",
                host=self._host,
                timestamp=timestamp,
                date=datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"),
                payload=payload,
                content_type=CONTENT_TYPE,
            ),
        }

    async def _call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(params, ensure_ascii=False).encode()
        headers = self._headers(action, payload)
        async with (
            provider_call(self.provider),
            self._session.post(self._endpoint, data=payload, headers=headers) as r,
        ):
            if r.status >= 500:
                raise ProviderUnavailable(f"tencent: HTTP {r.status}")
            body: dict[str, Any] = json.loads(await r.text())
        response: dict[str, Any] = body.get("Response") or {}
        return response

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        params = {
            "PhoneNumberSet": [address],
            "SmsSdkAppId": self._app_id,
            "SignName": self._sign_name,
            "TemplateId": message.provider_code(self.provider),
            "TemplateParamSet": [message.params[name] for name in message.sms_params],
            "SessionContext": session_context(key),
        }
        return self._serial_no(await self._call("SendSms", params))

    def _serial_no(self, response: dict[str, Any]) -> str:
        error = response.get("Error")
        if error:
            code = str(error.get("Code", ""))
            if code.startswith(_TRANSIENT_PREFIXES):
                raise ProviderUnavailable(f"tencent: {code}", retry_after_s=1.0)
            if code.startswith(_OURS_PREFIXES):
                raise ProviderMisconfigured(f"tencent: {code}")
            raise RecipientRefused(f"tencent: {code}")
        [status] = response.get("SendStatusSet") or [{}]
        code = str(status.get("Code", ""))
        if code == "Ok":
            return str(status["SerialNo"])
        if code.startswith(_TRANSIENT_PREFIXES):
            raise ProviderUnavailable(f"tencent: {code}", retry_after_s=1.0)
        if code.startswith(_OURS_PREFIXES):
            raise ProviderMisconfigured(f"tencent: {code}")
        raise RecipientRefused(f"tencent: {code or 'no status'}")

    async def reconcile(self, address: str, *, key: str) -> str | None:
        """Pull the number's send statuses of the last days and match our SessionContext.

        Found: its SerialNo. Not found proves nothing: the pull lists what the carriers have
        reported, and a report may come minutes later, so the send stays uncertain (raised as
        :class:`DeliveryUncertain`) and is asked about again later; never resent blindly.
        """
        wanted = session_context(key)
        end = self._clock()
        try:
            for page in range(PULL_PAGES):
                statuses = await self._pull(address, end - PULL_WINDOW, end, page * PULL_LIMIT)
                for status in statuses:
                    if status.get("SessionContext") == wanted and status.get("SerialNo"):
                        return str(status["SerialNo"])
                if len(statuses) < PULL_LIMIT:
                    break
        except ProviderUnavailable as e:
            raise DeliveryUncertain("tencent: cannot reconcile now") from e
        raise DeliveryUncertain("tencent: no status reported for this send (yet)")

    async def _pull(
        self, address: str, begin: datetime, end: datetime, offset: int
    ) -> list[dict[str, Any]]:
        """One page of PullSmsSendStatusByPhoneNumber (times in UNIX seconds)."""
        params = {
            "BeginTime": int(begin.timestamp()),
            "EndTime": int(end.timestamp()),
            "Offset": offset,
            "Limit": PULL_LIMIT,
            "PhoneNumber": address,
            "SmsSdkAppId": self._app_id,
        }
        response = await self._call("PullSmsSendStatusByPhoneNumber", params)
        error = response.get("Error")
        if error:
            raise DeliveryUncertain(f"tencent: status pull refused: {error.get('Code')}")
        return list(response.get("PullSmsSendStatusSet") or [])


def session_context(key: str) -> str:
    """What a send carries in ``SessionContext`` (Tencent returns it as is, in status pulls
    and reports): the message id derived from our ledger key (the one every channel is given),
    stable per (request, channel), no PII."""
    return derived_event_id(key)


def parse_receipts(body: bytes) -> list[Receipt]:
    """A status push: a JSON array of reports, each correlated on ``sid`` (the SerialNo)."""
    return [
        Receipt(
            ids=(str(item.get("sid") or ""),),
            status=f"{str(item.get('report_status', '')).lower()}: {item.get('errmsg')}",
            dedupe=f"{item.get('sid')}:{item.get('report_status')}",
        )
        for item in json_items(body)
    ]


def parse_replies(body: bytes) -> list[Reply]:
    """A reply push: one object or an array, the number split into nation code and mobile."""
    return [
        Reply(
            channel="sms",
            address=f"+{item.get('nationcode', '86')}{item.get('mobile', '')}",
            text=str(item.get("text", "")),
            dedupe=f"{item.get('mobile')}:{item.get('time')}:{item.get('text')}",
        )
        for item in json_items(body)
    ]


def client(s: TencentSettings, common: Common, session: aiohttp.ClientSession) -> Resilient:
    sms = TencentSms(
        session,
        endpoint=s.endpoint,
        secret_id=s.secret_id,
        secret_key=s.secret_key.get_secret_value(),
        sdk_app_id=s.sdk_app_id,
        sign_name=common.sms_sign_name,
    )
    return Resilient(
        sms,
        rate_per_s=s.rate_per_s,
        policy=common.policy,
        per_number_interval_s=s.per_number_interval_s,
    )


def callbacks(s: TencentSettings, common: Common) -> SecretPathCallbacks:
    """Receipts and replies at ``/v1/callbacks/tencent/{secret}/report`` and ``.../reply``."""
    return SecretPathCallbacks(common.callback_secret, parse_receipts, parse_replies, TAKEN)
