"""The channel clients against the provider sandbox: real HTTP, real signatures, injected faults."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote_plus

import aiohttp
import pytest

from sandbox.providers import ProviderSandbox
from services.notifier.adapters.channels.aliyun import AliyunSms
from services.notifier.adapters.channels.errors import (
    ProviderMisconfigured,
    ProviderUnavailable,
    RecipientRefused,
)
from services.notifier.adapters.channels.resilience import Failover, Resilient, RetryPolicy
from services.notifier.adapters.channels.signing import aliyun_signature, tc3_authorization
from services.notifier.adapters.channels.tencent import TencentSms
from services.notifier.adapters.channels.twilio import TwilioSms
from services.notifier.adapters.channels.wechat import TokenCache, WeChatTemplates
from services.notifier.domain.model import SendLater
from services.notifier.domain.templates import Rendered, TemplateRegistry
from services.notifier.domain.wechat_copy import WeChatMessage
from shared.testing.factories import contact_request
from tests.support.providers import BANK, CRED, sandbox, sandbox_fault, session
from tests.support.providers import sms as message

__all__ = ["sandbox", "session"]  # the fixtures: the provider sandbox, a session of short timeouts
FAST = RetryPolicy(attempts=3, base_s=0.01, cap_s=0.05, reconcile_after_s=0.05)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def aliyun(sandbox: ProviderSandbox, session: aiohttp.ClientSession, **kw: str) -> AliyunSms:
    return AliyunSms(
        session,
        endpoint=f"{sandbox.url}/aliyun/",
        access_key_id=kw.get("key_id", CRED.aliyun_key_id),
        access_key_secret=kw.get("secret", CRED.aliyun_secret),
        sign_name=CRED.sign_name,
    )


def tencent(sandbox: ProviderSandbox, session: aiohttp.ClientSession, **kw: str) -> TencentSms:
    return TencentSms(
        session,
        endpoint=f"{sandbox.url}/tencent/",
        secret_id=CRED.tencent_secret_id,
        secret_key=kw.get("secret", CRED.tencent_secret_key),
        sdk_app_id=CRED.tencent_app_id,
        sign_name=CRED.sign_name,
    )


def twilio(sandbox: ProviderSandbox, session: aiohttp.ClientSession, **kw: str) -> TwilioSms:
    return TwilioSms(
        session,
        endpoint=f"{sandbox.url}/twilio",
        account_sid=CRED.twilio_sid,
        auth_token=kw.get("token", CRED.twilio_token),
        sender={"From": CRED.twilio_from},
        status_callback=None,
    )


def codes(sandbox: ProviderSandbox) -> list[str | None]:
    return [m.code for m in sandbox.state.received]


class TestAliyun:
    async def test_a_signed_send_arrives_as_the_approved_text(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        biz_id = await aliyun(sandbox, session).attempt(
            "+8613800000001", message(), key="r1|sms", message_id="m1"
        )
        [received] = sandbox.state.received
        assert received.provider_id == biz_id
        assert received.to == "+8613800000001"
        assert received.text.startswith(f"【{CRED.sign_name}】您尾号5678的贷款")
        assert received.code == "ABCD2345"

    async def test_a_wrong_secret_is_refused_as_our_misconfiguration(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        with pytest.raises(ProviderMisconfigured, match="SignatureDoesNotMatch"):
            await aliyun(sandbox, session, secret="wrong").attempt(
                "+8613800000001", message(), key="k", message_id="m"
            )
        assert sandbox.state.received == []

    async def test_an_invalid_number_is_refused_for_good(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        with pytest.raises(RecipientRefused, match="MOBILE_NUMBER_ILLEGAL"):
            await aliyun(sandbox, session).attempt("+86999", message(), key="k", message_id="m")

    async def test_a_timeout_after_acceptance_is_reconciled_by_out_id_not_resent(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "aliyun", "timeout", count=1)
        client = Resilient(aliyun(sandbox, session), rate_per_s=100, policy=FAST)
        provider, found = await client.send(
            "+8613800000001", message(), key="r9|sms", message_id="m"
        )
        assert provider == "aliyun"
        assert found
        assert codes(sandbox) == ["ABCD2345"]  # exactly one message reached the phone


class TestTencent:
    async def test_a_tc3_signed_send_is_accepted(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        serial = await tencent(sandbox, session).attempt(
            "+8613800000002", message(), key="r2|sms", message_id="m2"
        )
        [received] = sandbox.state.received
        assert received.provider_id == serial
        assert "验证码ABCD2345" in received.text

    async def test_a_wrong_key_fails_the_signature(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        with pytest.raises(ProviderMisconfigured, match=r"AuthFailure\.SignatureFailure"):
            await tencent(sandbox, session, secret="wrong").attempt(
                "+8613800000002", message(), key="k", message_id="m"
            )

    async def test_a_timeout_is_reconciled_by_session_context_not_resent(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "tencent", "timeout", count=1)
        client = Failover(
            [
                Resilient(tencent(sandbox, session), rate_per_s=100, policy=FAST),
                Resilient(aliyun(sandbox, session), rate_per_s=100, policy=FAST),
            ]
        )
        provider, serial = await client.send(
            "+8613800000002", message(), key="r3|sms", message_id="m"
        )
        # Tencent took it and its status pull says so; failing over to Aliyun, or sending
        # again, would have sent it twice.
        assert provider == "tencent"
        assert [(m.provider, m.provider_id) for m in sandbox.state.received] == [
            ("tencent", serial)
        ]


class TestTwilio:
    async def test_basic_auth_send_and_a_wrong_token(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        sid = await twilio(sandbox, session).attempt(
            "+14155550100", message(locale="en"), key="k", message_id="m"
        )
        assert sid.startswith("SM")
        with pytest.raises(ProviderMisconfigured, match="401"):
            await twilio(sandbox, session, token="wrong").attempt(
                "+14155550100", message(locale="en"), key="k", message_id="m"
            )

    async def test_429_is_retried_after_retry_after(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "twilio", "429", count=2)
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        client = Resilient(twilio(sandbox, session), rate_per_s=100, policy=FAST, sleep=sleep)
        await client.send("+14155550100", message(locale="en"), key="k", message_id="m")
        assert waits == [1.0, 1.0]  # the sandbox's Retry-After, honoured
        assert len(sandbox.state.received) == 1

    async def test_an_invalid_number_is_refused(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        with pytest.raises(RecipientRefused, match="21211"):
            await twilio(sandbox, session).attempt("0415", message(), key="k", message_id="m")


class TestFailover:
    async def test_an_unavailable_provider_fails_over_to_the_next(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "aliyun", "5xx", rate=1.0)
        client = Failover(
            [
                Resilient(aliyun(sandbox, session), rate_per_s=100, policy=FAST),
                Resilient(tencent(sandbox, session), rate_per_s=100, policy=FAST),
            ]
        )
        provider, _ = await client.send("+8613800000003", message(), key="r4|sms", message_id="m")
        assert provider == "tencent"
        assert [m.provider for m in sandbox.state.received] == ["tencent"]

    async def test_every_provider_down_is_unavailable(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        await sandbox_fault(sandbox, "aliyun", "5xx", rate=1.0)
        await sandbox_fault(sandbox, "tencent", "throttle", rate=1.0)
        client = Failover(
            [
                Resilient(aliyun(sandbox, session), rate_per_s=100, policy=FAST),
                Resilient(tencent(sandbox, session), rate_per_s=100, policy=FAST),
            ]
        )
        with pytest.raises(ProviderUnavailable):
            await client.send("+8613800000003", message(), key="r5|sms", message_id="m")
        assert sandbox.state.received == []


class TestWeChat:
    def client(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> tuple[WeChatTemplates, TokenCache]:
        tokens = TokenCache(
            session,
            endpoint=f"{sandbox.url}/wechat",
            app_id=CRED.wechat_app_id,
            app_secret=CRED.wechat_secret,
        )
        return WeChatTemplates(
            session, tokens, endpoint=f"{sandbox.url}/wechat", link_url=None
        ), tokens

    def wechat_message(self, kind: WeChatMessage = "template") -> Rendered:
        return TemplateRegistry.load().render(
            contact_request(), "wechat", "zh-CN", BANK, "WXCODE23", kind
        )

    @pytest.mark.parametrize("kind", ["template", "subscribe"])
    async def test_the_phone_shows_exactly_the_text_the_gate_judged(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession, kind: WeChatMessage
    ) -> None:
        client, _ = self.client(sandbox, session)
        message = self.wechat_message(kind)
        found = await client.attempt(OPENID, message, key="r1|wechat", message_id="m")
        [shown] = sandbox.state.received
        assert shown.text == message.body  # WeChat fills its approved copy with our fields
        assert shown.code == "WXCODE23"
        # A subscribe message is answered without an id: it is known by our key until its
        # send-finished push names it.
        assert (found == "r1|wechat") is (kind == "subscribe")
        assert found == "r1|wechat" or found.isdigit()

    async def test_a_subscribe_field_wechat_would_refuse_is_refused_as_misconfigured(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, _ = self.client(sandbox, session)
        good = self.wechat_message("subscribe")
        bad = replace(good, wechat_fields=good.wechat_fields | {"amount3": "1,234.50元"})
        with pytest.raises(ProviderMisconfigured, match="47003"):
            await client.attempt(OPENID, bad, key="r2|wechat", message_id="m")
        assert sandbox.state.received == []

    async def test_the_token_is_fetched_once_and_shared(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, tokens = self.client(sandbox, session)
        for i in range(3):
            await client.attempt(OPENID, self.wechat_message(), key=f"k{i}", message_id="m")
        assert tokens.refreshes == 1
        assert len(sandbox.state.received) == 3

    async def test_an_expired_token_is_refreshed_and_the_send_retried(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, tokens = self.client(sandbox, session)
        await client.attempt(OPENID, self.wechat_message(), key="k1", message_id="m")
        await sandbox_fault(sandbox, "wechat", "42001", count=1)
        await client.attempt(OPENID, self.wechat_message(), key="k2", message_id="m")
        assert tokens.refreshes == 2
        assert len(sandbox.state.received) == 2

    async def test_the_daily_quota_defers_to_the_next_china_midnight(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, _ = self.client(sandbox, session)
        client._clock = lambda: datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
        await sandbox_fault(sandbox, "wechat", "45009", count=1)
        with pytest.raises(SendLater) as deferred:
            await client.attempt(OPENID, self.wechat_message(), key="k", message_id="m")
        assert deferred.value.until == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
        assert sandbox.state.received == []

    async def test_a_group_or_unknown_recipient_is_refused(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        client, _ = self.client(sandbox, session)
        with pytest.raises(RecipientRefused, match="40003"):
            await client.attempt("group@chatroom", self.wechat_message(), key="k", message_id="m")


async def test_a_fault_switch_mixes_the_kinds_it_is_given(sandbox: ProviderSandbox) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.post(
            f"{sandbox.url}/_faults",
            json={"provider": "aliyun", "kinds": ["5xx", "timeout", "429"], "count": 60},
        ) as r:
            assert r.status == 200
        async with s.post(f"{sandbox.url}/_faults", json={"provider": "aliyun", "kinds": []}) as r:
            assert r.status == 400
    chosen = {sandbox.state.fault("aliyun") for _ in range(60)}
    assert chosen == {"5xx", "timeout", "429"}
    assert sandbox.state.fault("aliyun") is None  # the count is spent


def naive_aliyun_signature(params: dict[str, str], secret: str) -> str:
    """Aliyun's scheme with plain form encoding: the regression the fake must catch."""
    canonical = "&".join(
        f"{quote_plus(k)}={quote_plus(v, safe='*~')}" for k, v in sorted(params.items())
    )
    to_sign = f"GET&%2F&{quote_plus(canonical)}".encode()
    digest = hmac.new(f"{secret}&".encode(), to_sign, hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TestTheFakesCheckSignaturesThemselves:
    """The fakes verify with their own code: a request our signing got wrong is refused."""

    def aliyun_query(self) -> dict[str, str]:
        return {
            "AccessKeyId": CRED.aliyun_key_id,
            "Action": "QuerySendDetails",
            "Format": "JSON",
            "PhoneNumber": "13800000001",
            "SendDate": datetime.now(UTC).strftime("%Y%m%d"),
            "PageSize": "10",
            "CurrentPage": "1",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": f"nonce-{datetime.now(UTC).timestamp()}",
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "OutId": "a b*c~d",  # every character the special encoding treats apart
        }

    async def aliyun_code(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession, query: dict[str, str]
    ) -> str:
        async with session.get(f"{sandbox.url}/aliyun/", params=query) as r:
            return str(json.loads(await r.text())["Code"])

    async def test_aliyun_takes_our_signature_and_refuses_a_tampered_or_misencoded_one(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        query = self.aliyun_query()
        signed = query | {"Signature": aliyun_signature(query, CRED.aliyun_secret)}
        assert await self.aliyun_code(sandbox, session, signed) == "OK"
        tampered = self.aliyun_query()
        tampered |= {"Signature": aliyun_signature(tampered, CRED.aliyun_secret)}
        tampered["PageSize"] = "50"
        assert await self.aliyun_code(sandbox, session, tampered) == "SignatureDoesNotMatch"
        # A signer that forgot the special encoding (a space as "+", "*" and "~" as they come).
        query = self.aliyun_query()
        wrong = naive_aliyun_signature(query, CRED.aliyun_secret)
        assert wrong != aliyun_signature(query, CRED.aliyun_secret)
        assert await self.aliyun_code(sandbox, session, query | {"Signature": wrong}) == (
            "SignatureDoesNotMatch"
        )

    async def test_tencent_refuses_a_signature_over_another_body(
        self, sandbox: ProviderSandbox, session: aiohttp.ClientSession
    ) -> None:
        now = int(datetime.now(UTC).timestamp())
        host = sandbox.url.removeprefix("http://")
        signed_for = b'{"PhoneNumberSet": ["+8613800000002"]}'
        header = tc3_authorization(
            secret_id=CRED.tencent_secret_id,
            secret_key=CRED.tencent_secret_key,
            service="sms",
            host=host,
            timestamp=now,
            date=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d"),
            payload=signed_for,
        )
        headers = {
            "Authorization": header,
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(now),
        }
        sent = b'{"PhoneNumberSet": ["+8613800000009"]}'
        async with session.post(f"{sandbox.url}/tencent/", data=sent, headers=headers) as r:
            error = json.loads(await r.text())["Response"]["Error"]["Code"]
        assert error == "AuthFailure.SignatureFailure"
        assert sandbox.state.received == []
