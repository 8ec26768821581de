"""Tencent's and Twilio's own SDKs (test-only dependencies) against the provider sandbox and our
clients: what our clients send is what the SDKs read, what the SDKs send our clients find, and
our signatures are the SDKs' for the same input. A stand-in that drifted from the real wire
format, or a client that signs differently, fails here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from sandbox.providers import ProviderSandbox
from sandbox.providers.core import SandboxState
from sandbox.providers.tencent import TencentApi
from sandbox.smtp import free_port
from services.notifier.adapters.channels.signing import tc3_authorization, twilio_signature
from services.notifier.adapters.channels.tencent import TencentSms, session_context
from services.notifier.adapters.channels.twilio import TwilioSms
from services.notifier.domain.sends import code_of_key
from tests.support.providers import (
    CRED,
    SECRET,
    message,
    sandbox,
    session,
    tencent_sms,
    twilio_sms,
)

__all__ = ["sandbox", "session"]  # the fixtures: the provider sandbox, a session of short timeouts
CN, US = "+8613800000031", "+14155550131"


class TencentAtItsOwnPath:
    """The Tencent stand-in at ``POST /`` (where the SDK posts), keeping each raw request."""

    def __init__(self) -> None:
        self.api = TencentApi(SandboxState(CRED, callback_base=None))
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.port = free_port()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((dict(request.headers), await request.read()))
        return await self.api.handle(request)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture
async def tencent_api() -> AsyncIterator[TencentAtItsOwnPath]:
    stand_in = TencentAtItsOwnPath()
    app = web.Application()
    app.add_routes([web.post("/", stand_in.handle)])
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", stand_in.port).start()
    yield stand_in
    await runner.cleanup()


def tencent_sdk(host: str) -> sms_client.SmsClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=host))
    cred = credential.Credential(CRED.tencent_secret_id, CRED.tencent_secret_key)
    return sms_client.SmsClient(cred, "ap-guangzhou", profile)


def ours(host: str, session: aiohttp.ClientSession) -> TencentSms:
    return tencent_sms(session, f"http://{host}/")


def sdk_pull(host: str) -> list[dict[str, Any]]:
    request = models.PullSmsSendStatusByPhoneNumberRequest()
    now = int(datetime.now(UTC).timestamp())
    request.from_json_string(
        json.dumps(
            {
                "BeginTime": now - 600,
                "EndTime": now + 5,
                "Offset": 0,
                "Limit": 10,
                "PhoneNumber": CN,
                "SmsSdkAppId": CRED.tencent_app_id,
            }
        )
    )
    response = tencent_sdk(host).PullSmsSendStatusByPhoneNumber(request)
    return list(json.loads(response.to_json_string())["PullSmsSendStatusSet"])


def sdk_send(host: str, key: str) -> str:
    request = models.SendSmsRequest()
    sent = message(key)
    request.from_json_string(
        json.dumps(
            {
                "PhoneNumberSet": [CN],
                "SmsSdkAppId": CRED.tencent_app_id,
                "SignName": CRED.sign_name,
                "TemplateId": sent.provider_code("tencent"),
                "TemplateParamSet": [sent.params[name] for name in sent.sms_params],
                "SessionContext": session_context(key),
            }
        )
    )
    response = tencent_sdk(host).SendSms(request)
    return str(json.loads(response.to_json_string())["SendStatusSet"][0]["SerialNo"])


class TestTencentSdk:
    async def test_the_sdk_pulls_what_our_client_sent_with_our_session_context(
        self, tencent_api: TencentAtItsOwnPath, session: aiohttp.ClientSession
    ) -> None:
        serial = await ours(tencent_api.host, session).attempt(
            CN, message("k1|sms"), key="k1|sms", message_id="m"
        )
        [status] = await asyncio.to_thread(sdk_pull, tencent_api.host)
        assert status["SerialNo"] == serial
        assert status["SessionContext"] == session_context("k1|sms")
        assert status["PhoneNumber"] == CN

    async def test_our_client_finds_what_the_sdk_sent(
        self, tencent_api: TencentAtItsOwnPath, session: aiohttp.ClientSession
    ) -> None:
        serial = await asyncio.to_thread(sdk_send, tencent_api.host, "k2|sms")
        assert await ours(tencent_api.host, session).reconcile(CN, key="k2|sms") == serial

    async def test_our_authorization_is_the_sdks_for_the_same_request(
        self, tencent_api: TencentAtItsOwnPath
    ) -> None:
        await asyncio.to_thread(sdk_pull, tencent_api.host)
        [(headers, body)] = tencent_api.requests
        stamp = int(headers["X-TC-Timestamp"])
        assert headers["X-TC-Action"] == "PullSmsSendStatusByPhoneNumber"
        assert headers["Authorization"] == tc3_authorization(
            secret_id=CRED.tencent_secret_id,
            secret_key=CRED.tencent_secret_key,
            service="sms",
            host=headers["Host"],
            timestamp=stamp,
            date=datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d"),
            payload=body,
            content_type=headers["Content-Type"],
        )


def twilio_sdk(sandbox: ProviderSandbox) -> Client:
    client = Client(CRED.twilio_sid, CRED.twilio_token)
    client.api.base_url = f"{sandbox.url}/twilio"
    return client


def our_twilio(sandbox: ProviderSandbox, session: aiohttp.ClientSession) -> TwilioSms:
    service = {"MessagingServiceSid": CRED.twilio_messaging_service}
    return twilio_sms(session, f"{sandbox.url}/twilio", service, page_size=2)


class TestTwilioSdk:
    async def test_the_sdk_lists_what_our_client_sent_page_by_page(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client = our_twilio(sandbox, session)
        sids = [
            await client.attempt(US, message(f"w{n}|sms", "en"), key=f"w{n}|sms", message_id="m")
            for n in range(5)
        ]
        since = datetime.now(UTC) - timedelta(days=1)

        def listed() -> list[Any]:
            return list(
                twilio_sdk(sandbox).messages.list(to=US, date_sent_after=since, page_size=2)
            )

        found = await asyncio.to_thread(listed)
        assert [m.sid for m in found] == sids[::-1]  # newest first, across three pages
        assert {m.messaging_service_sid for m in found} == {CRED.twilio_messaging_service}
        assert code_of_key(SECRET, "w0|sms") in found[-1].body
        assert all(m.date_sent is not None and m.date_sent.tzinfo for m in found)

    async def test_our_client_finds_what_the_sdk_sent(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        body = message("x1|sms", "en").body

        def create() -> str:
            sent = twilio_sdk(sandbox).messages.create(
                to=US, messaging_service_sid=CRED.twilio_messaging_service, body=body
            )
            return str(sent.sid)

        sid = await asyncio.to_thread(create)
        assert await our_twilio(sandbox, session).reconcile(US, key="x1|sms") == sid

    def test_our_webhook_signature_is_the_sdks(self) -> None:
        url = "https://notifier.bank.example/v1/callbacks/twilio/status?x=1"
        form = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": US, "Body": "还款 ok"}
        ours_signed = twilio_signature(CRED.twilio_token, url, form.items())
        validator = RequestValidator(CRED.twilio_token)
        assert ours_signed == validator.compute_signature(url, form)
        assert validator.validate(url, form, ours_signed)
        assert urlsplit(url).query == "x=1"
