"""The channel clients against the provider sandbox: real HTTP, real signatures, injected faults."""

from __future__ import annotations

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
from services.notifier.adapters.channels.tencent import TencentSms
from services.notifier.adapters.channels.twilio import TwilioSms
from tests.support.providers import CRED, sandbox, sandbox_fault, session
from tests.support.providers import sms as message

__all__ = ["sandbox", "session"]  # the fixtures: the provider sandbox, a session of short timeouts
FAST = RetryPolicy(attempts=3, base_s=0.01, cap_s=0.05, reconcile_after_s=0.05)


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
