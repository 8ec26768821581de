"""Tencent Cloud SMS (API 2021-01-11): SendSms signed with TC3-HMAC-SHA256."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from services.notifier.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.channels.http import provider_call
from services.notifier.channels.signing import tc3_authorization
from services.notifier.domain.model import DeliveryUncertain
from services.notifier.domain.templates import Rendered

CONTENT_TYPE = "application/json; charset=utf-8"
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

    def _headers(self, payload: bytes) -> dict[str, str]:
        now = self._clock()
        timestamp = int(now.timestamp())
        return {
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-TC-Action": "SendSms",
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

    async def attempt(self, address: str, message: Rendered, *, key: str, message_id: str) -> str:
        payload = json.dumps(
            {
                "PhoneNumberSet": [address],
                "SmsSdkAppId": self._app_id,
                "SignName": self._sign_name,
                "TemplateId": message.provider_code(self.provider),
                "TemplateParamSet": [message.params[name] for name in message.sms_params],
                "SessionContext": message_id,
            },
            ensure_ascii=False,
        ).encode()
        async with (
            provider_call(self.provider),
            self._session.post(self._endpoint, data=payload, headers=self._headers(payload)) as r,
        ):
            if r.status >= 500:
                raise ProviderUnavailable(f"tencent: HTTP {r.status}")
            body: dict[str, Any] = json.loads(await r.text())
        return self._serial_no(body.get("Response") or {})

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
        """Tencent offers no lookup by our key: the send stays uncertain (never resent blindly)."""
        raise DeliveryUncertain("tencent: no way to ask whether the message arrived")
